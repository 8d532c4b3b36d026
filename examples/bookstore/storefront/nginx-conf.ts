/**
 * The storefront's whole nginx configuration, for the mesh to mount read-only at
 * {@link NGINX_CONF_PATH} (an app `files` entry), so nginx listens on the instance's
 * `LISTEN_ADDR` (nginx reads no environment variables).
 *
 * It keeps nginx runnable as a non-root user: no `user` directive, the pid file and every
 * temp path under /tmp, logs on stdout/stderr, `daemon off` so nginx stays the container's
 * process. The image's default (`nginx.conf` beside this file) is `nginxConf("127.0.0.1:8080")`;
 * test/unit/bookstore-nginx-conf.test.ts keeps the two equal.
 */
export function nginxConf(listenAddr: string): string {
  const port = Number(listenAddr.split(":")[1]);
  if (!LISTEN_ADDR.test(listenAddr) || port > 65535) {
    throw new Error(`nginxConf: listenAddr ${JSON.stringify(listenAddr)} is not <ipv4>:<port>, e.g. 127.0.0.1:8080 (the app contract's LISTEN_ADDR)`);
  }
  return `# The storefront's nginx configuration (examples/bookstore/storefront/nginx-conf.ts).
# Runs as a non-root user: no \`user\` directive, pid and temp files under /tmp.
daemon off;
worker_processes 1;
pid /tmp/nginx.pid;
error_log stderr notice;

events {
    worker_connections 256;
}

http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    server_tokens off;
    sendfile on;
    keepalive_timeout 65s;

    # Every temp path Debian's nginx compiles in, or nginx tries to create them under
    # /var/lib/nginx, which only root may write.
    client_body_temp_path /tmp/nginx-client-body;
    proxy_temp_path /tmp/nginx-proxy;
    fastcgi_temp_path /tmp/nginx-fastcgi;
    uwsgi_temp_path /tmp/nginx-uwsgi;
    scgi_temp_path /tmp/nginx-scgi;

    log_format json escape=json '{"time":"$time_iso8601","level":"info","logger":"nginx.access",'
        '"msg":"request","method":"$request_method","uri":"$request_uri","status":$status,'
        '"bytes":$body_bytes_sent,"durationS":$request_time,"requestId":"$http_x_request_id"}';
    access_log /dev/stdout json;

    server {
        # The app contract's LISTEN_ADDR: loopback only, so the sidecar is the only way in.
        listen ${listenAddr};
        root /srv/storefront;

        location = /health {
            access_log off;
            default_type application/json;
            return 200 '{"status":"ok"}\\n';
        }

        location / {
            index index.html;
            try_files $uri $uri/ =404;
        }
    }
}
`;
}

/** Where nginx reads its configuration in the storefront image. */
export const NGINX_CONF_PATH = "/etc/nginx/nginx.conf";

const LISTEN_ADDR = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}:([1-9]\d{0,4})$/;
