# scripts/fresh-root.sh - sourced by scripts/fresh-check and
# scripts/install-check: brand-new Debian 12 roots, as a new machine has them.
#
# fresh_base makes one minimal root with mmdebstrap (--variant=apt, plus
# ca-certificates, git and sudo: nothing else) from this machine's own apt
# sources, as a tarball; fresh_root unpacks a copy of it for each use, so
# every root is brand-new and none inherits what another installed.
# fresh_cleanup (set as the EXIT trap by the sourcing script) ends what still
# runs inside the roots, undoes the mounts, removes the network namespaces
# and the roots.  Needs root, mmdebstrap, iproute2 and about 1.5 GB a root in
# FRESH_DIR (default /tmp).  FRESH_KEEP=1 keeps the roots for a look inside;
# FRESH_SUITE (default bookworm).
FRESH_ROOTS=()
FRESH_MOUNTS=()
FRESH_NETNS=()
FRESH_PIDS=()     # host processes that serve a root (a simulated meter)
FRESH_WORK=""

# fresh_base: $FRESH_BASE, made once per run (or FRESH_BASE_TAR's, a base
# that a calling check made already)
FRESH_BASE=${FRESH_BASE_TAR:-}
fresh_base() {
    [ -n "$FRESH_WORK" ] || FRESH_WORK=$(mktemp -d "${FRESH_DIR:-/tmp}/smartmeter-fresh.XXXXXX")
    [ -n "$FRESH_BASE" ] && [ -s "$FRESH_BASE" ] && return 0
    FRESH_BASE=$FRESH_WORK/base.tar
    local sources suite=${FRESH_SUITE:-bookworm} t0=$SECONDS
    # the machine's own apt sources (deb822 or one-line form)
    sources=$(ls /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1 || true)
    [ -n "$sources" ] || sources=/etc/apt/sources.list
    echo "== a brand-new root: mmdebstrap --variant=apt $suite (sources: $sources)"
    # the package lists kept, as a newly installed machine has them
    mmdebstrap --quiet --variant=apt --include=ca-certificates,git,sudo \
        --skip=cleanup/apt/lists "$suite" "$FRESH_BASE" "$sources" \
        >"$FRESH_WORK/mmdebstrap.log" 2>&1 || { cat "$FRESH_WORK/mmdebstrap.log"; return 1; }
    echo "   made in $((SECONDS - t0)) s"
}

fresh_bind() { # what where [options]
    mkdir -p "$2"
    if [ "$1" = proc ]; then mount -t proc proc "$2"; else mount --bind "$1" "$2"; fi
    FRESH_MOUNTS+=("$2")
}

# fresh_root VAR [private-dev]: a new root from the base, its path in VAR
# (any name but the function's own local, dir),
# with /proc, /sys, /dev/pts and the host's resolv.conf.  /dev is the
# host's, or with private-dev a small one of the root's own (null, zero,
# random, urandom, tty, ptmx and the host's /dev/pts), in which the root can
# make device links without touching the host's /dev.
fresh_root() {
    local var=$1 dir
    fresh_base || return 1
    dir=$(mktemp -d "$FRESH_WORK/root.XXXXXX")
    FRESH_ROOTS+=("$dir")
    tar -C "$dir" -xf "$FRESH_BASE"
    fresh_bind proc "$dir/proc"
    fresh_bind /sys "$dir/sys"
    if [ "${2:-}" = private-dev ]; then
        mount -t tmpfs -o mode=755,size=16m tmpfs "$dir/dev"
        FRESH_MOUNTS+=("$dir/dev")
        mknod -m 666 "$dir/dev/null" c 1 3
        mknod -m 666 "$dir/dev/zero" c 1 5
        mknod -m 666 "$dir/dev/full" c 1 7
        mknod -m 666 "$dir/dev/random" c 1 8
        mknod -m 666 "$dir/dev/urandom" c 1 9
        mknod -m 666 "$dir/dev/tty" c 5 0
        mknod -m 666 "$dir/dev/ptmx" c 5 2
        ln -s /proc/self/fd "$dir/dev/fd"
        ln -s /proc/self/fd/0 "$dir/dev/stdin"
        ln -s /proc/self/fd/1 "$dir/dev/stdout"
        ln -s /proc/self/fd/2 "$dir/dev/stderr"
        mkdir -p "$dir/dev/shm"
    else
        fresh_bind /dev "$dir/dev"
    fi
    fresh_bind /dev/pts "$dir/dev/pts"
    cp /etc/resolv.conf "$dir/etc/resolv.conf"
    printf -v "$var" '%s' "$dir"
}

# fresh_netns VAR: a network namespace of its own, for the daemons a root
# starts: their ports are not the host's.  Besides loopback it has what a
# machine has, an interface with an address (a veth pair, both ends inside,
# a link-local address, no route out): ser2net resolves its accepter with
# AI_ADDRCONFIG, which finds nothing on a loopback-only machine.
fresh_netns() {
    local ns="smartmeter-fresh-$$-${#FRESH_NETNS[@]}"
    ip netns add "$ns" || return 1
    FRESH_NETNS+=("$ns")
    ip -n "$ns" link set lo up &&
        ip -n "$ns" link add eth0 type veth peer name eth1 &&
        ip -n "$ns" addr add 169.254.7.7/16 dev eth0 &&
        ip -n "$ns" link set eth0 up && ip -n "$ns" link set eth1 up || return 1
    printf -v "$1" '%s' "$ns"
}

# fresh_in ROOT COMMAND [NETNS]: COMMAND in ROOT as a new login has it (a
# clean environment, the default PATH), in the network namespace if given
fresh_in() {
    local pre=()
    [ -n "${3:-}" ] && pre=(ip netns exec "$3")
    "${pre[@]}" chroot "$1" /usr/bin/env -i HOME=/root USER=root LOGNAME=root TERM=dumb \
        LANG=C.UTF-8 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        /bin/bash -c "$2"
}

fresh_cleanup() {
    local st=$? pid i R ns
    set +e
    for pid in "${FRESH_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
    for ns in "${FRESH_NETNS[@]}"; do
        for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
    done
    for R in "${FRESH_ROOTS[@]}"; do
        for pid in $(ls /proc | grep -E '^[0-9]+$'); do
            [ "$(readlink "/proc/$pid/root" 2>/dev/null)" = "$R" ] && kill -9 "$pid" 2>/dev/null
        done
    done
    sleep 0.5
    for ((i = ${#FRESH_MOUNTS[@]} - 1; i >= 0; i--)); do
        umount "${FRESH_MOUNTS[i]}" 2>/dev/null || umount -l "${FRESH_MOUNTS[i]}"
    done
    for ns in "${FRESH_NETNS[@]}"; do ip netns del "$ns" 2>/dev/null; done
    if [ -n "$FRESH_WORK" ] && findmnt -rn -o TARGET | grep -q "^$FRESH_WORK/"; then
        echo "fresh-root: mounts remain under $FRESH_WORK; not removing it:"
        findmnt -rn -o TARGET | grep "^$FRESH_WORK/"
        exit 1
    fi
    if [ "${FRESH_KEEP:-0}" = 1 ]; then
        [ -n "$FRESH_WORK" ] && echo "fresh-root: kept $FRESH_WORK"
    elif [ -n "$FRESH_WORK" ]; then
        rm -rf --one-file-system "$FRESH_WORK"
    fi
    exit $st
}
