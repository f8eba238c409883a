# Shared by scripts/nginx_check.sh and scripts/cluster_check.sh: the edge (nginx from
# this repo's nginx.conf) on loopback ports, and the tools the live checks need.
# Source it from the repo root; functions only, nothing runs on source.

# edge_install PACKAGE: apt-get install it from Debian's packages (root only).
edge_install() {
    if [ "$(id -u)" != 0 ]; then
        echo "edge: $1 is not installed (apt-get install $1 as root)" >&2
        return 1
    fi
    echo "edge: installing $1 from Debian's packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq </dev/null >/dev/null
    apt-get install -y -qq --no-install-recommends "$1" </dev/null >/dev/null
}

# edge_nginx: sets NGINX to the nginx binary, installing it when missing.
edge_nginx() {
    NGINX="$(command -v nginx || true)"
    [ -n "$NGINX" ] || { [ -x /usr/sbin/nginx ] && NGINX=/usr/sbin/nginx; } || true
    if [ -z "$NGINX" ]; then
        edge_install nginx || return 1
        NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
    fi
}

# edge_wrk: sets WRK to the wrk binary, installing it when missing.
edge_wrk() {
    WRK="$(command -v wrk || true)"
    if [ -z "$WRK" ]; then
        edge_install wrk || return 1
        WRK="$(command -v wrk)"
    fi
}

# edge_free_ports N: prints N free loopback TCP ports on one line.
edge_free_ports() {
    python - "$1" <<'PY'
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))
for s in socks:
    s.close()
PY
}

# edge_render WORK EDGE_PORT REPLICA_PORT...: nginx.conf with loopback versions of
# nginx/upstream.conf and nginx/local.conf in WORK (access log in WORK/nginx_access.log).
edge_render() {
    local work="$1" edge_port="$2" port
    shift 2
    mkdir -p "$work/nginx" "$work/tmp"
    cp nginx.conf "$work/nginx.conf"
    : > "$work/nginx/upstream.conf"
    for port in "$@"; do
        echo "server 127.0.0.1:$port max_fails=3 fail_timeout=10s;" >> "$work/nginx/upstream.conf"
    done
    cat > "$work/nginx/local.conf" <<CONF
listen 127.0.0.1:$edge_port;
access_log $work/nginx_access.log edge;
client_body_temp_path $work/tmp/body;
proxy_temp_path $work/tmp/proxy;
CONF
}

# edge_start WORK: checks and starts nginx on WORK's config in the background; its pid
# in EDGE_PID (the caller stops it).
edge_start() {
    local work="$1"
    "$NGINX" -p "$work" -c "$work/nginx.conf" -t -q -g "pid $work/nginx.pid; user root;"
    "$NGINX" -p "$work" -c "$work/nginx.conf" -g "daemon off; pid $work/nginx.pid; user root;" \
        >"$work/nginx_stdout.log" 2>"$work/nginx_error.log" &
    EDGE_PID=$!
}
