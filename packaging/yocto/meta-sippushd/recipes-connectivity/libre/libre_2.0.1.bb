SUMMARY = "Generic library for real-time communications with async IO support"
DESCRIPTION = "libre (baresip/re): SIP, SDP, RTP, STUN, TLS and an event \
loop. Version 2.0.1 is the one OpenWrt 22.03 to 24.10 and Debian 13 carry; \
it builds with upstream's own make system (mk/re.mk; CMake came later)."
HOMEPAGE = "https://github.com/baresip/re"
SECTION = "libs"
LICENSE = "BSD-3-Clause"
LIC_FILES_CHKSUM = "file://docs/COPYING;md5=a0736345c45291f0f293a69c85460648"

DEPENDS = "openssl zlib"

# tag v2.0.1
SRC_URI = "git://github.com/baresip/re.git;protocol=https;nobranch=1;destsuffix=${BP}"
SRCREV = "2f89098420bb34603644619c3236d1e98d51e15b"

# scarthgap unpacks into WORKDIR, later releases into UNPACKDIR (read,
# never set here)
S = "${@d.getVar('UNPACKDIR') or d.getVar('WORKDIR')}/${BP}"

inherit pkgconfig

# re.mk finds OpenSSL, zlib and pthread below SYSROOT and takes the
# toolchain from CC/LD/AR; EXTRA_* carry the distro's flags through.
EXTRA_OEMAKE = " \
    CROSS_COMPILE='${TARGET_PREFIX}' \
    CC='${CC}' LD='${CC}' AR='${AR}' RANLIB='${RANLIB}' \
    OS=linux RELEASE=1 \
    SYSROOT='${STAGING_DIR_TARGET}${prefix}' \
    SYSROOT_ALT='${STAGING_DIR_TARGET}${prefix}' \
    EXTRA_CFLAGS='${CFLAGS}' EXTRA_LFLAGS='${LDFLAGS}' \
    PREFIX='${prefix}' LIBDIR='${libdir}' \
"

do_compile() {
    oe_runmake
}

do_install() {
    oe_runmake DESTDIR='${D}' install
    # the static library is installed executable
    chmod 0644 ${D}${libdir}/libre.a
}

# mk/re.mk, for projects that build with it (baresip 2.x, restund)
FILES:${PN}-dev += "${datadir}/re"
