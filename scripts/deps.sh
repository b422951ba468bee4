# scripts/deps.sh - sourced by the set-up commands and the scripts that run
# collectd: the Debian packages the project needs, as lists, and
# need_packages, which installs the missing ones (and only those; needs root
# or sudo).  Every package a test, the demo, a benchmark or the Debian
# packages need at run time is named here: apt installs with
# --no-install-recommends, so nothing arrives unless a list names it (or a
# listed package Depends on it).  scripts/dep-check proves it for every
# program and shared object the tests run or load.
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

# build tools and the libraries the code uses (libsml-dev: `make bench`'s
# comparison with libsml only)
BUILD_PACKAGES="build-essential autoconf automake libtool pkg-config nettle-dev libserialport-dev
libcunit1-dev libjson-c-dev collectd-dev valgrind libsml-dev"

# building and checking the Debian packages (scripts/deb-test)
DEB_PACKAGES="debhelper dpkg-dev fakeroot lintian man-db"

# `make fuzz` (libFuzzer) only; not needed to build or test
FUZZ_PACKAGES="clang"

# the fresh-root checks (scripts/fresh-check, scripts/install-check) only:
# the roots, their network namespace, the pseudo-terminal of the simulated
# meter that the install check's ser2net reads
FRESH_PACKAGES="mmdebstrap git iproute2 socat"

# collectd's own plugins that the tests, the demo and the benchmarks load
# (scripts/collectd-env.sh refuses any other), and the packages of their
# libraries: collectd-core only suggests them (rrdtool: librrd8, write_log:
# libyajl2; mqtt: libmosquitto1; write_prometheus: libmicrohttpd12 and
# libprotobuf-c1; network's libgcrypt20 comes with collectd-core; logfile,
# csv, unixsock, write_graphite, match_regex and target_set need none)
COLLECTD_PLUGINS="logfile csv rrdtool unixsock write_graphite write_log network mqtt
write_prometheus match_regex target_set"
PLUGIN_PACKAGES="librrd8 libyajl2 libmosquitto1 libmicrohttpd12 libprotobuf-c1"

# what the plugin's end-to-end tests and the demo run: Debian's collectd and
# its tools, rrdtool, a real Graphite back end, pseudo-terminals, and the
# libraries of the collectd plugins above
RUN_PACKAGES="collectd-core collectd-utils rrdtool graphite-carbon python3-whisper socat
python3 tzdata bc $PLUGIN_PACKAGES"

# the servers the readings are sent to in tests/e2e_backends.sh (`make
# e2e-backends`): InfluxDB 1.x, Prometheus, mosquitto and its client
BACKEND_PACKAGES="influxdb prometheus mosquitto mosquitto-clients"

# the graphs' test (tests/e2e_graphs.sh): a real browser for the page,
# Pillow to look at the images, and what collectd's collection3 front end
# (collectd-core's examples) needs to run its CGI
GRAPH_PACKAGES="chromium python3-pil perl librrds-perl libconfig-general-perl libregexp-common-perl
libhtml-parser-perl libcgi-pm-perl"

# the programs the tests, the demo and the benchmarks run (checked by
# scripts/dep-check together with the libraries they link)
RUN_TOOLS="collectd collectdctl rrdtool carbon-cache whisper-fetch socat python3 bc valgrind
lintian dpkg-buildpackage man influxd prometheus mosquitto mosquitto_sub chromium perl"
