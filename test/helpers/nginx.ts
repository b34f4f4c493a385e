import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT } from './spawn.ts'

// nginx with the auth_request module (Debian: package `nginx`), found on PATH or in the usual sbin.
function findNginx(): string | undefined {
  for (const bin of ['nginx', '/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx']) {
    const r = spawnSync(bin, ['-V'], { encoding: 'utf8' })
    if (r.status === 0 && /--with-http_auth_request_module/.test(r.stderr + r.stdout)) return bin
  }
  return undefined
}
export const NGINX = findNginx()

/**
 * deploy/nginx.conf itself, as an operator would run it, with this run's ports and a private prefix for nginx's
 * files: what the test proves is the shipped configuration.
 */
export function nginxConf(dir: string, port: number, gw: number, up: number): string {
  const root = process.getuid?.() === 0 ? 'user root;' : ''
  const shipped = readFileSync(join(ROOT, 'deploy/nginx.conf'), 'utf8')
  const swap = (text: string, from: string, to: string) => {
    if (!text.includes(from)) throw new Error(`deploy/nginx.conf no longer has ${JSON.stringify(from)}`)
    return text.replace(from, to)
  }
  let conf = swap(shipped, 'server 127.0.0.1:3000;', `server 127.0.0.1:${gw};`)
  conf = swap(conf, 'server 127.0.0.1:9001;', `server 127.0.0.1:${up};`)
  conf = swap(conf, 'listen 8080;', `listen 127.0.0.1:${port};`)
  conf = swap(conf, 'events {}', 'events { worker_connections 256; }')
  conf = swap(
    conf,
    'http {',
    `http {\n  access_log off;\n  client_body_temp_path ${dir}/client_body;\n  proxy_temp_path ${dir}/proxy;\n  fastcgi_temp_path ${dir}/fastcgi;\n  uwsgi_temp_path ${dir}/uwsgi;\n  scgi_temp_path ${dir}/scgi;`,
  )
  return `daemon off;\nmaster_process on;\nworker_processes 1;\n${root}\npid ${dir}/nginx.pid;\nerror_log ${dir}/error.log warn;\n${conf}`
}
