/** A config version as the deploy service lists it (`msec.deploy.config.list`, and the reply of add and rollback). */
export interface ConfigVersionView {
  service: string;
  tag: string;
  memo: string;
  /** Position in the service's history, from 1; a rollback appends a copy with the next number. */
  seq: number;
  /** The newest version (highest seq); a release installs the tag it names, not necessarily this one. */
  current: boolean;
  /** The version published live: what the running instances read through the SDK. */
  live: boolean;
  /** Size of the config text in UTF-8 bytes. */
  bytes: number;
  createdAt: number;
}

/** A config version published live, as answered to the publisher (`msec.deploy.config.publish`). */
export interface LiveConfigView {
  service: string;
  tag: string;
  seq: number;
  publishedAt: number;
  /** Who published it, as the gateway named the caller. */
  publishedBy: string;
}

/** An IDL version as the deploy service lists it (`msec.deploy.idl.list`, and the reply of add). */
export interface IdlVersionView {
  service: string;
  tag: string;
  memo: string;
  /** The .proto file names of the upload. */
  files: string[];
  /** Full names of the messages and services the files define, as compiled when the version was added. */
  messages: string[];
  createdAt: number;
}

/** One file that differs between two IDL versions (`msec.deploy.idl.diff`); unchanged files are not listed. */
export interface IdlFileDiff {
  file: string;
  change: 'added' | 'removed' | 'changed';
  /** Every line of the file prefixed by ` `, `-` or `+` (so an added or removed file is all `+` or all `-`). */
  diff: string;
}
