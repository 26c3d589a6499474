/** NATS subjects of the host agents and the deploy service, defined once. */
export const DeploySubjects = {
  /** Raw request/reply (JSON, not Nest envelopes): a SignedCommand in, a CommandReply out. */
  agentCommand: (hostId: string): string => `msec.agent.${hostId}.cmd`,
  /** Event: every command an agent received and what became of it (AgentAuditEvent), under the agent's host id. */
  agentAudit: (hostId: string): string => `msec.events.agent.${hostId}.audit`,
  /** The audit records of every host (consumers check the payload's hostId against the subject's token). */
  agentAuditAll: 'msec.events.agent.*.audit',
  /** Event: an agent's periodic heartbeat with host metrics (AgentHeartbeat), under the agent's host id. */
  agentHeartbeat: (hostId: string): string => `msec.events.agent.${hostId}.heartbeat`,
  /** The heartbeats of every host. */
  agentHeartbeatAll: 'msec.events.agent.*.heartbeat',
  /** The host id token of an agent event subject (`msec.events.agent.<hostId>.<kind>`). */
  agentOfSubject: (subject: string): string => subject.split('.')[3] ?? '',
  /** Event: a host went up or down in the deploy service's hosts read model (HostStatusChanged). */
  hostStatus: 'msec.events.deploy.host-status',
  /** Event: progress of a release plan (ReleaseProgressEvent). */
  releaseProgress: 'msec.events.deploy.progress',
  /** Former event of a finished release (ReleasedEvent); the registry now follows `deploy.ReleaseSucceeded` in the event stream. */
  released: 'msec.events.deploy.released',
  /** Command: empty deploy's read models and replay them from the event stream (admin only). */
  rebuild: 'msec.deploy.rebuild',
  /** Query: every known host with status and last metrics. */
  hostsList: 'msec.deploy.hosts.list',
  /** Command: a one-time enrolment token for a new host (HostEnrollmentCreated; admin only). */
  hostsEnroll: 'msec.deploy.hosts.enroll',
  /** Query: enrolment tokens, newest first (never the secrets). */
  hostsEnrollments: 'msec.deploy.hosts.enrollments',
  /** Command: cancel an enrolment token that was not used yet (admin only). */
  hostsEnrollmentRevoke: 'msec.deploy.hosts.enrollments.revoke',
  /** Command: redeem an enrolment token for the host's NATS creds and the console key (HostEnrollmentGrant); once. */
  hostsRedeem: 'msec.deploy.hosts.redeem',
  /** Command: take a host offline for maintenance ({hostId, by, reason?}; admin only). */
  hostsOffline: 'msec.deploy.hosts.offline',
  /** Command: bring an offline host back ({hostId, by}; admin only). */
  hostsOnline: 'msec.deploy.hosts.online',
  /** Query: audited agent commands, newest first. */
  auditList: 'msec.deploy.audit.list',
  /** Command: rotate the console signing key; agents accept the old one during the overlap. */
  keysRotate: 'msec.deploy.keys.rotate',
  /** Query: the console's current public key and key id. */
  keysCurrent: 'msec.deploy.keys.current',
  /** Command: sign and send one command to an agent (operators and tests; audited by the agent). */
  commandSend: 'msec.deploy.command.send',
  /** Command: a small package inline ({contentBase64, sha256}, one NATS message, so under about 700 KiB). */
  packagesUpload: 'msec.deploy.packages.upload',
  /** Command: a staging object name and the size limit for one upload into DeployBuckets.uploads (PackageUploadSlot). */
  packagesStage: 'msec.deploy.packages.stage',
  /** Command: verify a staged upload ({object, sha256, size}), move it into DeployBuckets.packages and record it. */
  packagesRegister: 'msec.deploy.packages.register',
  /** Query: packages, newest first. */
  packagesList: 'msec.deploy.packages.list',
  /** Command/queries on IDL versions. */
  idlAdd: 'msec.deploy.idl.add',
  idlList: 'msec.deploy.idl.list',
  idlDiff: 'msec.deploy.idl.diff',
  /** Command/queries on config file versions. */
  configAdd: 'msec.deploy.config.add',
  configList: 'msec.deploy.config.list',
  configDiff: 'msec.deploy.config.diff',
  configRollback: 'msec.deploy.config.rollback',
  /** Command: publish a config version live to the service's running instances ({service, tag, by}). */
  configPublish: 'msec.deploy.config.publish',
  /** Commands/queries on release plans. */
  releaseCreate: 'msec.deploy.release.create',
  releaseGet: 'msec.deploy.release.get',
  releaseList: 'msec.deploy.release.list',
  releaseResume: 'msec.deploy.release.resume',
  releaseRollback: 'msec.deploy.release.rollback',
} as const;

/** JetStream stream of the agents' audit and the deploy service's events (file storage, 30 days). */
export const DeployStreams = {
  events: 'MSEC_DEPLOY_EVENTS',
  /** Subjects the stream captures; heartbeats stay on core NATS (frequent and only useful live). */
  eventSubjects: ['msec.events.agent.*.audit', 'msec.events.deploy.>'],
  /** Durable consumer the deploy service stores audit events with. */
  auditConsumer: 'deploy-audit',
} as const;

/** JetStream Object Store buckets of the deploy area. */
export const DeployBuckets = {
  /** Accepted packages, `<name>/<version>.tar.gz`; written only by the deploy service, read by agents. */
  packages: 'msec_packages',
  /** Uploads in flight (objects expire after an hour); uploaders write here, the deploy service moves them on. */
  uploads: 'msec_package_uploads',
} as const;
