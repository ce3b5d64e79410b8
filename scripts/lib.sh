# Small helpers shared by the scripts in this folder (sourced, not run).

# Print "host port" of a URL such as postgis://user@127.0.0.1:5432/name or redis://h:6379/0.
url_host_port() {
    local url="$1" default_port="$2" rest hostport host port
    rest="${url#*://}"
    rest="${rest%%/*}"
    hostport="${rest##*@}"
    host="${hostport%%:*}"
    port="${hostport##*:}"
    [[ "$port" == "$hostport" || -z "$port" ]] && port="$default_port"
    [[ -z "$host" ]] && host="127.0.0.1"
    echo "$host $port"
}

# True when the URL's host is this machine.
url_is_local() {
    local host
    read -r host _ <<<"$(url_host_port "$1" 0)"
    [[ "$host" == 127.0.0.1 || "$host" == localhost || "$host" == "::1" ]]
}

# True when a Redis server answers PING at the URL (bash's /dev/tcp, no redis-cli needed).
redis_answers() {
    local host port reply
    read -r host port <<<"$(url_host_port "$1" 6379)"
    (
        exec 3<>"/dev/tcp/$host/$port" || exit 1
        printf 'PING\r\n' >&3
        read -r -t 2 reply <&3 || exit 1
        # A server that wants a password answers -NOAUTH: it is running all the same.
        [[ "$reply" == "+PONG"* || "$reply" == "-NOAUTH"* ]]
    ) 2>/dev/null
}

# True when something accepts TCP connections at host:port.
port_open() {
    (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}
