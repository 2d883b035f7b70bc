SUMMARY = "SIP Push Receiver Agent (OMA Push using SIP)"
DESCRIPTION = "sippushd registers the device with a SIP/IP core, advertises \
the push applications it serves as +g.oma.pusheventapp feature tags, takes \
pushes as SIP MESSAGE (and MSRP sessions when built in) and hands them to \
local applications over a UNIX socket (libsippush, sippush)."
SECTION = "net"
LICENSE = "BSD-3-Clause"
LIC_FILES_CHKSUM = "file://LICENSE;md5=10c345d97a0aa078442532fa1b5f1cfc"

# Source: by default the project checkout this layer sits in
# (packaging/yocto/meta-sippushd), as local files: the parse needs no
# network, and an edited source file changes the task checksums, so the
# recipe rebuilds. Only the files the build needs are listed (not build/).
# A release build points SRC_URI at its own git server with a pinned
# SRCREV instead (local.conf or a .bbappend), for example:
#   SRC_URI:pn-sippushd = "git://git.example.org/sippushd.git;protocol=https;branch=main;destsuffix=sippushd-src"
#   SRCREV:pn-sippushd = "<40-hex commit>"
SIPPUSHD_TOPDIR ??= "${SIPPUSHD_LAYER_TOPDIR}"
FILESEXTRAPATHS:prepend := "${SIPPUSHD_TOPDIR}:"
SRC_URI = " \
    file://Makefile;subdir=sippushd-src \
    file://Kconfig;subdir=sippushd-src \
    file://LICENSE;subdir=sippushd-src \
    file://board;subdir=sippushd-src \
    file://src;subdir=sippushd-src \
    file://lib;subdir=sippushd-src \
    file://include;subdir=sippushd-src \
    file://tools;subdir=sippushd-src \
    file://doc;subdir=sippushd-src \
    file://packaging/systemd;subdir=sippushd-src \
    file://packaging/sysvinit;subdir=sippushd-src \
"

# Unpacked into UNPACKDIR (styhead and later) or WORKDIR (scarthgap): read
# which one this release has, without setting UNPACKDIR ourselves.
S = "${@d.getVar('UNPACKDIR') or d.getVar('WORKDIR')}/sippushd-src"

DEPENDS = "libre openssl"

# Build options, each a Kconfig option of the project (CONFIG_TLS, ...),
# written over board/yocto_defconfig:
#   tls    SIP over TLS with certificate checks
#   msrp   session-mode pushes (INVITE/SDP + MSRP, RFC 4975)
#   relay  MSRP relays (RFC 4976); needs msrp
#   xml    IMDN, reg-event and PIDF documents (expat)
PACKAGECONFIG ??= "tls msrp relay xml"
PACKAGECONFIG[tls] = ""
PACKAGECONFIG[msrp] = ""
PACKAGECONFIG[relay] = ""
PACKAGECONFIG[xml] = ",,expat"

python () {
    pc = (d.getVar('PACKAGECONFIG') or '').split()
    if 'relay' in pc and 'msrp' not in pc:
        bb.fatal("sippushd: PACKAGECONFIG 'relay' needs 'msrp'")
}

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

# .config: the yocto board, then one line per PACKAGECONFIG option
sippushd_opt() {
    sed -i -e "/^CONFIG_$1=/d" -e "/^# CONFIG_$1 is not set/d" ${WORKDIR}/sippushd.config
    if [ "$2" = y ]; then
        echo "CONFIG_$1=y" >> ${WORKDIR}/sippushd.config
    else
        echo "# CONFIG_$1 is not set" >> ${WORKDIR}/sippushd.config
    fi
}

do_configure() {
    cp ${S}/board/yocto_defconfig ${WORKDIR}/sippushd.config
    sippushd_opt TLS ${@bb.utils.contains('PACKAGECONFIG', 'tls', 'y', 'n', d)}
    sippushd_opt MSRP ${@bb.utils.contains('PACKAGECONFIG', 'msrp', 'y', 'n', d)}
    sippushd_opt MSRP_RELAY ${@bb.utils.contains('PACKAGECONFIG', 'relay', 'y', 'n', d)}
    sippushd_opt XML ${@bb.utils.contains('PACKAGECONFIG', 'xml', 'y', 'n', d)}
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
