# scripts/collectd-env.sh - sourced by the scripts that run Debian's collectd
# with the plugin built in the tree (scripts/demo-collectd,
# tests/e2e_plugin.sh, bench/plugin_bench.sh): a private PluginDir, the
# common part of collectd.conf, and pseudo-terminal pairs for simulated
# meters.  Nothing is installed outside the given directory.
. "$(dirname "${BASH_SOURCE[0]}")/deps.sh"

# ce_plugindir DIR SMARTMETER_SO PLUGIN... - DIR/plugins with copies of
# Debian's PLUGINs and the built smartmeter.so (collectd refuses symlinks).
# Only the plugins of COLLECTD_PLUGINS (scripts/deps.sh) may be used: that
# list is where their libraries' packages are declared and checked.
ce_plugindir() {
    local dir=$1 so=$2 p
    shift 2
    mkdir -p "$dir/plugins"
    for p in "$@"; do
        case " $(echo $COLLECTD_PLUGINS) " in
        *" $p "*) ;;
        *) echo "ce_plugindir: collectd plugin $p is not in COLLECTD_PLUGINS (scripts/deps.sh):" \
            "add it there, and its libraries' package to PLUGIN_PACKAGES" >&2
            return 1 ;;
        esac
        cp "/usr/lib/collectd/$p.so" "$dir/plugins/" || return 1
    done
    cp "$so" "$dir/plugins/"
}

# ce_conf_head DIR HOSTNAME INTERVAL SRC [LOGFILE [LOGLEVEL]] - the global
# options, the types (SRC: the source tree, for smartmeter_types.db) and the
# logfile plugin (LOGFILE STDOUT by default).  Append plugins after it.
ce_conf_head() {
    cat <<EOF
Hostname "$2"
FQDNLookup false
Interval $3
BaseDir "$1"
PIDFile "$1/collectd.pid"
PluginDir "$1/plugins"
TypesDB "/usr/share/collectd/types.db" "$4/plugin/smartmeter_types.db"
LoadPlugin logfile
<Plugin logfile>
  LogLevel ${6:-info}
  File "${5:-STDOUT}"
  Timestamp true
</Plugin>
EOF
}

# ce_unixsock SOCKET - the unixsock plugin, the socket for this user's group.
ce_unixsock() {
    cat <<EOF
LoadPlugin unixsock
<Plugin unixsock>
  SocketFile "$1"
  SocketGroup "$(id -gn)"
</Plugin>
EOF
}

# ce_pty LINK PIDFILE - a pseudo-terminal pair: LINK for the plugin,
# LINK.sim for the simulated meter; socat's pid is appended to PIDFILE (so
# that pairs made in subshells can be cleaned up too).  Fails when the links
# do not appear within 5 s.
ce_pty() {
    socat pty,raw,echo=0,link="$1" pty,raw,echo=0,link="$1.sim" >/dev/null 2>&1 &
    echo $! >>"$2"
    local _
    for _ in $(seq 50); do
        [ -e "$1" ] && [ -e "$1.sim" ] && return 0
        sleep 0.1
    done
    return 1
}

# ce_preload FILE SHIM - the LD_PRELOAD list that puts the test-only pty shim
# into a program that is FILE or loads it: one built with ASan + UBSan (the
# test command's sanitizer pass) needs their runtimes ahead of the shim.
ce_preload() {
    if ldd "$1" | grep -q libasan; then
        echo "$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so) $2"
    else
        echo "$2"
    fi
}

# ce_kill_ptys PIDFILE - stop the socat processes listed in PIDFILE.
ce_kill_ptys() {
    [ -f "$1" ] && kill $(cat "$1") 2>/dev/null
    return 0
}
