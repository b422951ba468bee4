# scripts/deps.sh - sourced by the set-up commands: installs the Debian
# packages that are missing (and only those).  Needs root or sudo.
need_packages() {
    local missing=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
            missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "installing Debian packages: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# build tools and the libraries the code uses
BUILD_PACKAGES="build-essential autoconf automake libtool pkg-config nettle-dev libserialport-dev
libcunit1-dev libjson-c-dev collectd-dev valgrind"

# building and checking the Debian packages (scripts/deb-test)
DEB_PACKAGES="debhelper dpkg-dev fakeroot lintian man-db"

# `make fuzz` (libFuzzer) only; not needed to build or test
FUZZ_PACKAGES="clang"

# what the plugin's end-to-end tests and the demo run: Debian's collectd and
# its tools, rrdtool, a real Graphite back end, pseudo-terminals
RUN_PACKAGES="collectd-core collectd-utils rrdtool graphite-carbon python3-whisper socat
python3 tzdata bc"
