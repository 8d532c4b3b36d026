#!/usr/bin/env bash
# Proves the bookstore's two images on real Docker, the way the mesh will run them: each app
# joins the network namespace of a plain "node" container (--network container:<node>) and
# gets the app contract's environment; every probe runs inside that namespace via
# `docker exec <node> workload get ...` (the workload image's curl-like client).
#
#   storefront  /health and / on 127.0.0.1 only, as a non-root user; a mesh-supplied
#               nginx.conf (nginxConf("127.0.0.1:9080"), mounted read-only) replaces the default
#   catalog     the same, plus GET /books against a real Keycloak (client credentials) and a
#               workload "inventory": 200 with the token present and x-request-id copied;
#               a 403 from inventory stays visible behind a 502; one token per worker, reused
#
# Needs the images meshwright-example/{storefront,catalog}:dev (README.md says how to build
# them), meshwright/workload:0.5.0 and meshwright/keycloak:26.7.3 (`npm run images`).
# Removes every container and the network it started, also when a check fails.
set -euo pipefail
cd "$(dirname "$0")"

RUN="bookstore-check-$$"
LABEL="meshwright.example.check=$RUN"
WORKLOAD=meshwright/workload:0.5.0
KEYCLOAK=meshwright/keycloak:26.7.3
STOREFRONT=meshwright-example/storefront:dev
CATALOG=meshwright-example/catalog:dev
TMP="$(mktemp -d)"
failures=0

cleanup() {
  local ids
  ids="$(docker ps -aq --filter "label=$LABEL")"
  [ -z "$ids" ] || docker rm -f $ids >/dev/null
  docker network rm "$RUN" >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap cleanup EXIT

for image in "$WORKLOAD" "$KEYCLOAK" "$STOREFRONT" "$CATALOG"; do
  docker image inspect "$image" >/dev/null 2>&1 || {
    echo "missing image $image: build it as examples/bookstore/README.md says (meshwright/* images: npm run images)" >&2
    exit 1
  }
done

[ -x ../../node_modules/.bin/tsx ] || {
  echo "tsx missing: run npm install at the repository's root (it renders nginxConf for the storefront)" >&2
  exit 1
}

pass() { echo "ok   $*"; }
fail() { echo "FAIL $*"; failures=$((failures + 1)); }
# check DESCRIPTION COMMAND...: passes when COMMAND exits 0
check() { local what="$1"; shift; if "$@"; then pass "$what"; else fail "$what"; fi; }

# A namespace owner: the workload image, idle; probes run in it with `docker exec`.
start_node() { docker run -d --name "$RUN-$1" --label "$LABEL" --network "$RUN" --network-alias "$1" --entrypoint sleep "$WORKLOAD" infinity >/dev/null; }
# get NODE URL [workload get flags...]: the body on stdout, the status in $TMP/status
get() {
  local node="$1" url="$2"; shift 2
  docker exec "$RUN-$node" workload get "$url" --timeout-ms 15000 "$@" 2>"$TMP/stderr"
  local rc=$?
  sed -n 's/^status: //p' "$TMP/stderr" >"$TMP/status"
  return $rc
}
status() { cat "$TMP/status"; }
status_is() { [ "$(status)" = "$1" ]; }
# answers NODE URL: passes when URL answers 200 (`workload get` exits 0 on any HTTP answer)
answers() { get "$1" "$2" >/dev/null 2>&1 && status_is 200; }
# Every listening TCP socket in NODE's namespace as ip:port (from /proc/net/tcp: no tools needed).
listeners() {
  docker exec "$RUN-$1" cat /proc/net/tcp /proc/net/tcp6 | awk '$4 == "0A" { print $2 }' | while IFS=: read -r a p; do
    if [ ${#a} -eq 8 ]; then printf '%d.%d.%d.%d:%d\n' 0x${a:6:2} 0x${a:4:2} 0x${a:2:2} 0x${a:0:2} 0x$p; else echo "[$a]:$((0x$p))"; fi
  done
}
# Passes when every listener is on 127.0.0.1, apart from Docker's embedded DNS resolver,
# which dockerd runs on 127.0.0.11 in every container on a user-defined network.
only_loopback() {
  local found; found="$(listeners "$1")"
  echo "     listening in $1's namespace: $(echo $found)"
  grep -q '^127\.0\.0\.1:' <<<"$found" && ! grep -v -e '^127\.0\.0\.1:' -e '^127\.0\.0\.11:' <<<"$found" | grep -q .
}
not_only_loopback() { ! only_loopback "$1"; }
not_listening() { ! listeners "$1" | grep -q ":$2\$"; }
refused_on_network_ip() {
  local ip; ip="$(docker inspect -f "{{(index .NetworkSettings.Networks \"$RUN\").IPAddress}}" "$RUN-$1")"
  get "$1" "http://$ip:$2/health" >/dev/null 2>&1
  [ $? -eq 7 ]
}
app_uids() { docker top "$RUN-$1" -o pid,uid | awk 'NR > 1 { print $2 }' | sort -u | paste -sd, -; }
# json FILE PYTHON-EXPRESSION: passes when the expression over the parsed file (d) is true
json() { python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' "$@" 2>/dev/null; }
wait_for() { # wait_for SECONDS COMMAND...
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 1
  done
}

docker network create --label "$LABEL" "$RUN" >/dev/null

echo "== storefront (nginx)"
start_node storefront-1
docker run -d --name "$RUN-storefront-1-app" --label "$LABEL" --network "container:$RUN-storefront-1" \
  -e SERVICE_NAME=storefront -e INSTANCE_ID=storefront-1 -e VERSION=v1 -e LISTEN_ADDR=127.0.0.1:8080 -e PORT=8080 \
  "$STOREFRONT" >/dev/null
wait_for 20 answers storefront-1 http://127.0.0.1:8080/health || true
get storefront-1 http://127.0.0.1:8080/health >/dev/null || true
check "storefront /health answers 200 on 127.0.0.1:8080" status_is 200
get storefront-1 http://127.0.0.1:8080/ >"$TMP/index.html" || true
check "storefront / serves the static page" grep -q '<h1>Bookstore</h1>' "$TMP/index.html"
check "storefront listens on 127.0.0.1 only" only_loopback storefront-1
check "storefront is refused on the node's network address" refused_on_network_ip storefront-1 8080
users="$(app_uids storefront-1-app)"
check "storefront's nginx processes run as uid 10001 ($users)" test "$users" = 10001
docker logs "$RUN-storefront-1-app" 2>/dev/null >"$TMP/storefront.log"; tail -1 "$TMP/storefront.log" | sed 's/^/     access log: /'

echo "== storefront with the mesh's nginx.conf (nginxConf(\"127.0.0.1:9080\"), read-only)"
( cd ../.. && node_modules/.bin/tsx -e 'import { nginxConf } from "./examples/bookstore/storefront/nginx-conf"; process.stdout.write(nginxConf("127.0.0.1:9080"))' ) >"$TMP/nginx.conf"
chmod 644 "$TMP/nginx.conf"
start_node storefront-2
docker run -d --name "$RUN-storefront-2-app" --label "$LABEL" --network "container:$RUN-storefront-2" \
  -e LISTEN_ADDR=127.0.0.1:9080 -v "$TMP/nginx.conf:/etc/nginx/nginx.conf:ro" "$STOREFRONT" >/dev/null
wait_for 20 answers storefront-2 http://127.0.0.1:9080/health || true
get storefront-2 http://127.0.0.1:9080/health >/dev/null || true
check "the mounted config moves nginx to 127.0.0.1:9080" status_is 200
check "and nothing listens on the image default's 8080" not_listening storefront-2 8080
check "still on 127.0.0.1 only" only_loopback storefront-2

echo "== catalog (Flask + gunicorn) against Keycloak and a workload inventory"
secret="$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"
admin_password="$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"
# The realm the mesh will compile for this pair (see README.md): scope inventory:read as a
# client scope whose mapper writes meshwright.scopes.inventory:read = "true" (the SDK's
# convention), a default scope of the confidential client catalog.
cat >"$TMP/bookstore-realm.json" <<EOF
{
  "realm": "bookstore", "enabled": true, "sslRequired": "none", "accessTokenLifespan": 300,
  "clientScopes": [{
    "name": "inventory:read", "protocol": "openid-connect",
    "attributes": { "include.in.token.scope": "true", "display.on.consent.screen": "false" },
    "protocolMappers": [{
      "name": "inventory:read claim", "protocol": "openid-connect", "protocolMapper": "oidc-hardcoded-claim-mapper",
      "config": { "claim.name": "meshwright.scopes.inventory:read", "claim.value": "true", "jsonType.label": "String",
                  "access.token.claim": "true", "id.token.claim": "false", "userinfo.token.claim": "false" }
    }]
  }],
  "clients": [{
    "clientId": "catalog", "enabled": true, "protocol": "openid-connect", "publicClient": false,
    "clientAuthenticatorType": "client-secret", "secret": "$secret", "serviceAccountsEnabled": true,
    "standardFlowEnabled": false, "directAccessGrantsEnabled": false, "implicitFlowEnabled": false,
    "defaultClientScopes": ["inventory:read"], "optionalClientScopes": []
  }],
  "users": [{ "username": "service-account-catalog", "enabled": true, "serviceAccountClientId": "catalog" }]
}
EOF
chmod 644 "$TMP/bookstore-realm.json"
docker run -d --name "$RUN-keycloak" --label "$LABEL" --network "$RUN" --network-alias keycloak \
  -e KC_HOSTNAME=http://keycloak:8080 -e KC_HTTP_ENABLED=true \
  -e KC_BOOTSTRAP_ADMIN_USERNAME=admin -e KC_BOOTSTRAP_ADMIN_PASSWORD="$admin_password" \
  -v "$TMP/bookstore-realm.json:/opt/keycloak/data/import/bookstore-realm.json:ro" \
  --entrypoint /opt/keycloak/bin/kc.sh "$KEYCLOAK" start --optimized --import-realm >/dev/null
# Standalone, inventory listens on the network; in the mesh it is 127.0.0.1 behind its sidecar.
docker run -d --name "$RUN-inventory" --label "$LABEL" --network "$RUN" --network-alias inventory \
  -e SERVICE_NAME=inventory -e INSTANCE_ID=inventory-1 -e LISTEN_ADDR=0.0.0.0:8080 "$WORKLOAD" serve >/dev/null
start_node catalog-1
catalog_env=(
  -e SERVICE_NAME=catalog -e INSTANCE_ID=catalog-1 -e VERSION=v1
  -e LISTEN_ADDR=127.0.0.1:8080 -e PORT=8080
  -e UPSTREAMS=inventory=inventory:8080 -e UPSTREAM_INVENTORY_URL=http://inventory:8080
  -e OAUTH_CLIENT_ID=catalog -e OAUTH_CLIENT_SECRET="$secret"
  -e OAUTH_TOKEN_URL=http://keycloak:8080/realms/bookstore/protocol/openid-connect/token
  -e OAUTH_ISSUER=http://keycloak:8080/realms/bookstore
  # x-fault-status rides along only here, to make the workload inventory answer 403
  -e TRACE_HEADERS=x-request-id,traceparent,x-fault-status
)
docker run -d --name "$RUN-catalog-1-app" --label "$LABEL" --network "container:$RUN-catalog-1" "${catalog_env[@]}" "$CATALOG" >/dev/null
started=$SECONDS
# Ready means bootstrapped and the realm imported; before that the token endpoint answers 503.
# On a busy 2-core machine that took 75 s.
wait_for 240 answers catalog-1 http://keycloak:9000/health/ready || fail "Keycloak not ready in 240 s"
echo "     Keycloak ready after $((SECONDS - started)) s"
wait_for 30 answers catalog-1 http://127.0.0.1:8080/health || true

get catalog-1 http://127.0.0.1:8080/health >/dev/null || true
check "catalog /health answers 200 on 127.0.0.1:8080" status_is 200
check "catalog listens on 127.0.0.1 only (PORT=8080 is set, gunicorn's default would be 0.0.0.0)" only_loopback catalog-1
check "catalog is refused on the node's network address" refused_on_network_ip catalog-1 8080
check "control: the same check flags inventory, which listens on 0.0.0.0" not_only_loopback inventory
users="$(app_uids catalog-1-app)"
check "catalog's gunicorn processes run as uid 10001 ($users)" test "$users" = 10001

get catalog-1 http://127.0.0.1:8080/books -H 'x-request-id: bookstore-check-1' >"$TMP/books.json" || true
echo "     GET /books -> $(status) $(cat "$TMP/books.json")"
check "GET /books answers 200" status_is 200
check "inventory answered 200 and saw the bearer token" \
  json "$TMP/books.json" 'd["inventory"]["status"] == 200 and d["inventory"]["body"]["headers"]["authorization"]["present"] is True'
check "x-request-id reached inventory (TRACE_HEADERS)" \
  json "$TMP/books.json" 'd["inventory"]["body"]["headers"]["x-request-id"] == "bookstore-check-1"'
check "three books, named by service and instance" \
  json "$TMP/books.json" 'len(d["books"]) == 3 and (d["service"], d["instance"]) == ("catalog", "catalog-1")'

get catalog-1 http://127.0.0.1:8080/books -H 'x-fault-status: 403' >"$TMP/refused.json" || true
echo "     GET /books (inventory made to answer 403) -> $(status) $(cat "$TMP/refused.json")"
check "a 403 from inventory: the catalog answers 502 naming it" status_is 502
check "and inventory.status stays 403" \
  json "$TMP/refused.json" 'd["error"] == "inventory answered 403" and d["inventory"]["status"] == 403'

for i in 1 2 3 4 5 6 7 8; do get catalog-1 http://127.0.0.1:8080/books >/dev/null || true; done
fetched="$(docker logs "$RUN-catalog-1-app" 2>/dev/null | grep -c '"msg":"token fetched"' || true)"
{ docker logs "$RUN-catalog-1-app" 2>/dev/null | grep -m1 '"msg":"token fetched"' || true; } | sed 's/^/     /'
check "tokens are cached: $fetched fetched for 10 calls over 2 workers" test "$fetched" -ge 1 -a "$fetched" -le 2

docker run -d --name "$RUN-catalog-2-app" --label "$LABEL" --network "container:$RUN-catalog-1" \
  "${catalog_env[@]}" -e LISTEN_ADDR=127.0.0.1:8081 -e OAUTH_CLIENT_SECRET=wrong "$CATALOG" >/dev/null
wait_for 30 answers catalog-1 http://127.0.0.1:8081/health || true
get catalog-1 http://127.0.0.1:8081/books >"$TMP/wrong.json" || true
echo "     GET /books with a wrong client secret -> $(status) $(cat "$TMP/wrong.json")"
check "a wrong client secret: 502" status_is 502
check "naming the token endpoint's refusal" \
  json "$TMP/wrong.json" '"token endpoint refused client catalog" in d["error"]' 

set +e
out="$(docker run --rm --label "$LABEL" --network none "$CATALOG" 2>&1)"; rc=$?
set -e
echo "     without LISTEN_ADDR: exit $rc: $out"
exits_naming_listen_addr() { [ "$rc" = 2 ] && [[ "$out" == *"LISTEN_ADDR is not set"* ]]; }
check "without LISTEN_ADDR the catalog exits 2 naming the variable" exits_naming_listen_addr

echo "== catalog logs (one JSON object per line)"
docker logs "$RUN-catalog-1-app" >"$TMP/catalog.log" 2>&1
head -4 "$TMP/catalog.log" | sed 's/^/     /'
check "every catalog log line is JSON ($(wc -l <"$TMP/catalog.log") lines)" \
  python3 -c 'import json, sys; [json.loads(l) for l in open(sys.argv[1])]' "$TMP/catalog.log"

echo
if [ "$failures" -eq 0 ]; then echo "bookstore check: all passed"; else echo "bookstore check: $failures failed"; exit 1; fi
