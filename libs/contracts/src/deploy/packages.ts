/** A package as the deploy service lists it. */
export interface PackageView {
  name: string;
  version: string;
  /** Lower-case hex SHA-256 of the tarball, as accepted. */
  sha256: string;
  size: number;
  entry: string;
  createdAt: number;
}

/** Reply of `msec.deploy.packages.stage`: where to put one upload and how large it may be. */
export interface PackageUploadSlot {
  /** Object Store bucket (DeployBuckets.uploads). */
  bucket: string;
  /** Object name to put the tarball under. */
  object: string;
  /** Largest tarball the deploy service accepts, in bytes. */
  maxBytes: number;
  /** The staged object expires (and register refuses it) after this time, ms since the epoch. */
  expiresAt: number;
}

/** Body of `msec.deploy.packages.register`: the staged object and what the uploader measured while sending it. */
export interface PackageRegisterRequest {
  object: string;
  sha256: string;
  size: number;
}

/** Where an agent fetches a package: the args of a signed install-package command (with name and version). */
export interface PackageObjectRef {
  bucket: string;
  object: string;
  sha256: string;
  size: number;
}
