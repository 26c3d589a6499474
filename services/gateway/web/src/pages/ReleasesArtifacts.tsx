import { useState, type FormEvent } from 'react';
import type { ConfigVersionView, IdlFileDiff, IdlVersionView, PackageView } from '@msec/contracts';
import { api, ApiError, get } from '../api';
import { Can, Card, EmptyState, ErrorBanner, Table, useApi, when } from '../ui';

const at = (ms: number): string => when(new Date(ms).toISOString());

/** A unified diff with added and removed lines coloured. */
export function DiffView({ text, testId }: { text: string; testId?: string }) {
  const lines = text.replace(/\n$/, '').split('\n');
  return (
    <pre className="diff" data-testid={testId}>
      {lines.map((l, i) => (
        <span key={i} className={l.startsWith('+') ? 'add' : l.startsWith('-') ? 'del' : undefined}>
          {l}
          {'\n'}
        </span>
      ))}
    </pre>
  );
}

/** Sends the file as it is (application/octet-stream): the gateway streams it into the Object Store. */
async function uploadRaw(file: File): Promise<PackageView> {
  const csrf = document.cookie
    .split(';')
    .map((c) => c.trim().split('='))
    .find(([k]) => k === 'msec_csrf')?.[1];
  const res = await fetch('/api/v1/packages', {
    method: 'POST',
    credentials: 'same-origin',
    headers: {
      accept: 'application/json',
      'content-type': 'application/octet-stream',
      ...(csrf ? { 'x-csrf-token': decodeURIComponent(csrf) } : {}),
    },
    body: file,
  });
  const data = await res.json().catch(() => undefined);
  if (!res.ok) {
    const e = data?.error ?? {};
    throw new ApiError(res.status, e.code ?? `HTTP_${res.status}`, e.message ?? res.statusText, e.field);
  }
  return data as PackageView;
}

/** Packages: list and upload (a tar.gz with manifest.json). */
export function PackagesTab() {
  const { data, error, reload } = useApi<{ items: PackageView[] }>('/api/v1/packages');
  const [file, setFile] = useState<File>();
  const [failure, setFailure] = useState<ApiError | string>();
  const [done, setDone] = useState<string>();
  const upload = async (e: FormEvent) => {
    e.preventDefault();
    setDone(undefined);
    if (!file) return setFailure('choose a .tar.gz file first');
    try {
      const view = await uploadRaw(file);
      setFailure(undefined);
      setDone(`Uploaded ${view.name}@${view.version}.`);
      reload();
    } catch (err) {
      setFailure(err as ApiError);
    }
  };
  return (
    <Card title="Packages" testId="package-list">
      <Can role="developer">
        <form className="toolbar" onSubmit={upload}>
          <input
            type="file"
            accept=".tgz,.tar.gz,application/gzip"
            aria-label="Package file"
            onChange={(e) => setFile(e.target.files?.[0])}
          />
          <button className="primary" type="submit" data-testid="mutation-button">
            Upload package
          </button>
        </form>
        {done && <div className="ok-banner">{done}</div>}
        <ErrorBanner error={failure} />
      </Can>
      <ErrorBanner error={error} />
      {!data || data.items.length === 0 ? (
        <EmptyState title="No packages yet">
          Upload a tar.gz with manifest.json {'{name, version, entry}'} at its root (64 MiB by default), here or with ./msec package upload;
          ./msec package build makes one from a built service folder.
        </EmptyState>
      ) : (
        <Table
          rows={data.items}
          rowKey={(p) => `${p.name}@${p.version}`}
          columns={[
            { title: 'Package', render: (p) => p.name },
            { title: 'Version', render: (p) => p.version },
            { title: 'Entry', render: (p) => <code>{p.entry}</code> },
            { title: 'Size', render: (p) => `${(p.size / 1024).toFixed(1)} KiB` },
            { title: 'SHA-256', render: (p) => <code title={p.sha256}>{p.sha256.slice(0, 12)}…</code> },
            { title: 'Uploaded', render: (p) => at(p.createdAt) },
          ]}
        />
      )}
    </Card>
  );
}

/** Picks two versions and shows their diff. */
function DiffPicker({ tags, load }: { tags: string[]; load: (from: string, to: string) => Promise<string> }) {
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [text, setText] = useState<string>();
  const [failure, setFailure] = useState<ApiError>();
  if (tags.length < 2) return null;
  const show = async (e: FormEvent) => {
    e.preventDefault();
    try {
      setText(await load(from || tags[1]!, to || tags[0]!));
      setFailure(undefined);
    } catch (err) {
      setFailure(err as ApiError);
    }
  };
  return (
    <form className="toolbar" onSubmit={show}>
      <select aria-label="From version" value={from || tags[1]} onChange={(e) => setFrom(e.target.value)}>
        {tags.map((t) => (
          <option key={t}>{t}</option>
        ))}
      </select>
      <select aria-label="To version" value={to || tags[0]} onChange={(e) => setTo(e.target.value)}>
        {tags.map((t) => (
          <option key={t}>{t}</option>
        ))}
      </select>
      <button type="submit">Show diff</button>
      <div style={{ flexBasis: '100%' }}>
        <ErrorBanner error={failure} />
        {text !== undefined && (text ? <DiffView text={text} testId="diff" /> : <p className="muted">No differences.</p>)}
      </div>
    </form>
  );
}

/** Config file versions of one service: list, add, diff, roll back, publish live to the running instances. */
export function ConfigsTab({ service }: { service: string }) {
  const valid = /^[A-Za-z][A-Za-z0-9_]*\.[A-Za-z][A-Za-z0-9_]*$/.test(service);
  const q = encodeURIComponent(service);
  const { data, error, reload } = useApi<{ items: ConfigVersionView[] }>(valid ? `/api/v1/configs?service=${q}` : null);
  const [tag, setTag] = useState('');
  const [content, setContent] = useState('');
  const [failure, setFailure] = useState<ApiError>();
  const add = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await api('POST', '/api/v1/configs', { service, tag, content });
      setTag('');
      setFailure(undefined);
      reload();
    } catch (err) {
      setFailure(err as ApiError);
    }
  };
  const rollback = async (to: string) => {
    try {
      await api('POST', '/api/v1/configs/rollback', { service, to });
      reload();
    } catch (err) {
      setFailure(err as ApiError);
    }
  };
  const publish = async (version: string) => {
    try {
      await api('POST', '/api/v1/configs/publish', { service, tag: version });
      setFailure(undefined);
      reload();
    } catch (err) {
      setFailure(err as ApiError);
    }
  };
  if (!valid) return <EmptyState title="Pick a service">Type a service name (First.Second) to see its config versions.</EmptyState>;
  const items = data?.items ?? [];
  return (
    <Card title={`Config versions of ${service}`} testId="config-list">
      <p className="hint">
        A release ships the current version as a file; <em>Publish live</em> sends a version to the running instances at once (they read it
        with <code>config.get</code> and <code>config.watch</code>), with no restart.
      </p>
      <ErrorBanner error={error ?? failure} />
      {items.length === 0 ? (
        <EmptyState title="No config versions yet">Add the first version of this service's config file below.</EmptyState>
      ) : (
        <Table
          rows={items}
          rowKey={(c) => c.tag}
          columns={[
            { title: 'Tag', render: (c) => <strong>{c.tag}</strong> },
            { title: 'Current', render: (c) => (c.current ? <span className="badge ok">current</span> : '') },
            { title: 'Live', render: (c) => (c.live ? <span className="badge ok">live</span> : '') },
            { title: 'Memo', render: (c) => c.memo },
            { title: 'Size', render: (c) => `${c.bytes} B` },
            { title: 'Added', render: (c) => at(c.createdAt) },
            {
              title: ' ',
              render: (c) => (
                <Can role="developer">
                  {c.current ? null : (
                    <button className="small" data-testid="mutation-button" onClick={() => void rollback(c.tag)}>
                      Make current
                    </button>
                  )}
                  {c.live ? null : (
                    <button
                      className="small"
                      data-testid="mutation-button"
                      aria-label={`Publish ${c.tag} live`}
                      onClick={() => void publish(c.tag)}
                    >
                      Publish live
                    </button>
                  )}
                </Can>
              ),
            },
          ]}
        />
      )}
      <DiffPicker
        tags={items.map((c) => c.tag)}
        load={async (from, to) =>
          (await get<{ diff: string }>(`/api/v1/configs/diff?service=${q}&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`))
            .diff
        }
      />
      <Can role="developer">
        <form className="rel-form" onSubmit={add}>
          <label>
            New tag
            <input value={tag} onChange={(e) => setTag(e.target.value)} placeholder="c3" required />
          </label>
          <label className="wide">
            Content
            <textarea rows={6} value={content} onChange={(e) => setContent(e.target.value)} placeholder="the whole config file" />
          </label>
          <div>
            <button className="primary" type="submit" data-testid="mutation-button">
              Add config version
            </button>
          </div>
        </form>
      </Can>
    </Card>
  );
}

/** IDL versions of one service: list, add (compiled before it is accepted), per-file diff. */
export function IdlTab({ service }: { service: string }) {
  const valid = /^[A-Za-z][A-Za-z0-9_]*\.[A-Za-z][A-Za-z0-9_]*$/.test(service);
  const q = encodeURIComponent(service);
  const { data, error, reload } = useApi<{ items: IdlVersionView[] }>(valid ? `/api/v1/idl?service=${q}` : null);
  const [tag, setTag] = useState('');
  const [fileName, setFileName] = useState('service.proto');
  const [source, setSource] = useState('');
  const [failure, setFailure] = useState<ApiError>();
  const add = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await api('POST', '/api/v1/idl', { service, tag, files: { [fileName]: source } });
      setTag('');
      setFailure(undefined);
      reload();
    } catch (err) {
      setFailure(err as ApiError);
    }
  };
  if (!valid) return <EmptyState title="Pick a service">Type a service name (First.Second) to see its IDL versions.</EmptyState>;
  const items = data?.items ?? [];
  return (
    <Card title={`IDL versions of ${service}`} testId="idl-list">
      <ErrorBanner error={error ?? failure} />
      {items.length === 0 ? (
        <EmptyState title="No IDL versions yet">
          Add the service's .proto files below; they are compiled before they are accepted.
        </EmptyState>
      ) : (
        <Table
          rows={items}
          rowKey={(v) => v.tag}
          columns={[
            { title: 'Tag', render: (v) => <strong>{v.tag}</strong> },
            { title: 'Files', render: (v) => v.files.join(', ') },
            { title: 'Messages and services', render: (v) => <span className="small">{v.messages.join(', ')}</span> },
            { title: 'Memo', render: (v) => v.memo },
            { title: 'Added', render: (v) => at(v.createdAt) },
          ]}
        />
      )}
      <DiffPicker
        tags={items.map((v) => v.tag)}
        load={async (from, to) => {
          const r = await get<{ files: IdlFileDiff[] }>(
            `/api/v1/idl/diff?service=${q}&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`,
          );
          return r.files.map((f) => `=== ${f.file} (${f.change})\n${f.diff}`).join('\n');
        }}
      />
      <Can role="developer">
        <form className="rel-form" onSubmit={add}>
          <label>
            New tag
            <input value={tag} onChange={(e) => setTag(e.target.value)} placeholder="v3" required />
          </label>
          <label>
            File name
            <input value={fileName} onChange={(e) => setFileName(e.target.value)} required />
          </label>
          <label className="wide">
            Source
            <textarea rows={8} value={source} onChange={(e) => setSource(e.target.value)} placeholder='syntax = "proto3"; …' required />
          </label>
          <div>
            <button className="primary" type="submit" data-testid="mutation-button">
              Add IDL version
            </button>
          </div>
        </form>
      </Can>
    </Card>
  );
}
