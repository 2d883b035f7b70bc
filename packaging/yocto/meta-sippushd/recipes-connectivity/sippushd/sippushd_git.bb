SUMMARY = "SIP Push Receiver Agent (OMA Push using SIP)"
DESCRIPTION = "sippushd registers the device with a SIP/IP core, advertises \
the push applications it serves as +g.oma.pusheventapp feature tags, takes \
pushes as SIP MESSAGE (and MSRP sessions when built in) and hands them to \
local applications over a UNIX socket (libsippush, sippush)."
SECTION = "net"
LICENSE = "BSD-3-Clause"
LIC_FILES_CHKSUM = "file://LICENSE;md5=10c345d97a0aa078442532fa1b5f1cfc"

# Point SIPPUSHD_GIT_URI at your clone of the project, or build a local
# checkout with externalsrc (local.conf):
#   INHERIT += "externalsrc"
#   EXTERNALSRC:pn-sippushd = "/path/to/sippushd"
SIPPUSHD_GIT_URI ?= "git://git.example.org/sippushd.git;protocol=https;branch=main"
SRC_URI = "${SIPPUSHD_GIT_URI};destsuffix=${BPN}-git"
SRCREV ?= "${AUTOREV}"
PV = "0.1.0+git"

UNPACKDIR ??= "${WORKDIR}"
S = "${UNPACKDIR}/${BPN}-git"

DEPENDS = "libre openssl"

# xml: IMDN delivery notifications, reg-event and PUBLISH (CONFIG_XML),
# with expat; remove it from PACKAGECONFIG to build without.
PACKAGECONFIG ??= "xml"
PACKAGECONFIG[xml] = ",,expat"

# Build options: board/${SIPPUSHD_BOARD}_defconfig of the project (yocto:
# everything; openwrt: no MSRP relays; tiny: no TLS, no MSRP).
SIPPUSHD_BOARD ?= "yocto"

inherit systemd update-rc.d pkgconfig useradd

USERADD_PACKAGES = "${PN}"
USERADD_PARAM:${PN} = "--system --no-create-home --home-dir ${localstatedir}/lib/sippushd \
    --shell /sbin/nologin --user-group sippushd"

SYSTEMD_SERVICE:${PN} = "sippushd.service"
SYSTEMD_AUTO_ENABLE:${PN} = "enable"

INITSCRIPT_NAME = "sippushd"
INITSCRIPT_PARAMS = "defaults 95 10"

# The project's Makefile: no configure step; .config becomes autoconf.h
# with sed, so no Python is needed. Output goes to ${B}/oe-build.
EXTRA_OEMAKE = " \
    CC='${CC}' AR='${AR}' STRIP='${STRIP}' \
    CFLAGS='${CFLAGS}' LDFLAGS='${LDFLAGS}' PKG_CONFIG='pkg-config' \
    PREFIX='${prefix}' BINDIR='${bindir}' SBINDIR='${sbindir}' \
    LIBDIR='${libdir}' INCDIR='${includedir}' MANDIR='${mandir}' \
    sysconfdir='${sysconfdir}' \
    B='${B}/oe-build' KCONFIG_CONFIG='${WORKDIR}/sippushd.config' \
"

do_configure() {
    board=${S}/board/${SIPPUSHD_BOARD}_defconfig
    if [ ! -f "$board" ]; then
        bbfatal "SIPPUSHD_BOARD=${SIPPUSHD_BOARD}: no $board"
    fi
    cp "$board" ${WORKDIR}/sippushd.config
    if ! ${@bb.utils.contains('PACKAGECONFIG', 'xml', 'true', 'false', d)}; then
        sed -i '/^CONFIG_XML=/d' ${WORKDIR}/sippushd.config
        echo '# CONFIG_XML is not set' >> ${WORKDIR}/sippushd.config
    fi
}

do_compile() {
    oe_runmake all
}

do_install() {
    oe_runmake DESTDIR='${D}' install

    # the configuration may hold sip_auth_pass: readable by the daemon's
    # group only
    chown root:sippushd ${D}${sysconfdir}/sippushd.conf
    chmod 0640 ${D}${sysconfdir}/sippushd.conf

    if ${@bb.utils.contains('DISTRO_FEATURES', 'systemd', 'true', 'false', d)}; then
        install -d ${D}${systemd_system_unitdir} ${D}${nonarch_libdir}/sysusers.d
        install -m 0644 ${S}/packaging/systemd/sippushd.service \
            ${D}${systemd_system_unitdir}/sippushd.service
        install -m 0644 ${S}/packaging/systemd/sippushd.sysusers \
            ${D}${nonarch_libdir}/sysusers.d/sippushd.conf
    fi
    if ${@bb.utils.contains('DISTRO_FEATURES', 'sysvinit', 'true', 'false', d)}; then
        install -d ${D}${sysconfdir}/init.d
        install -m 0755 ${S}/packaging/sysvinit/sippushd.init \
            ${D}${sysconfdir}/init.d/sippushd
    fi
}

# libsippush on its own: apps need only the client library
PACKAGE_BEFORE_PN = "libsippush"
FILES:libsippush = "${libdir}/libsippush.so.*"
FILES:${PN} += "${nonarch_libdir}/sysusers.d"

CONFFILES:${PN} = "${sysconfdir}/sippushd.conf"
