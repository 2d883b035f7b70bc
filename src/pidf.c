/* pidf.c: the PIDF document (RFC 3863) with OMA service descriptions that PUBLISH sends for our push capabilities. */
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "xml.h"
#include "pidf.h"

#define DEBUG_MODULE "pidf"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

#define NS_PIDF "urn:ietf:params:xml:ns:pidf"
/* OMA Presence SIMPLE's PIDF extension: service-description names a
 * service by ID and version, as RCS capability discovery reads it */
#define NS_OMA  "urn:oma:xml:prs:pidf:oma-pres"


/**
 * Write a PIDF document: one open tuple per push application, each
 * with an OMA service-description (service-id = the application ID) and
 * our contact. No services: one closed tuple, which says "no push
 * application here now" rather than nothing.
 *
 * @param mb       Buffer to append to
 * @param entity   Our AOR (presentity)
 * @param contact  Our Contact URI (optional)
 * @param sv       Services
 * @param n        How many (at most PIDF_SERVICES_MAX)
 *
 * @return 0 if success, EINVAL for missing or unwritable values
 */
int pidf_encode(struct mbuf *mb, const char *entity,
		const char *contact, const struct pidf_service *sv,
		size_t n)
{
	int err;

	if (!mb || !entity || (n && !sv) || n > PIDF_SERVICES_MAX)
		return EINVAL;

	err = mbuf_printf(mb,
			 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
			 "<presence xmlns=\"" NS_PIDF "\" "
			 "xmlns:op=\"" NS_OMA "\" entity=\"%H\">\r\n",
			 xml_escape, entity);
	if (err)
		return err;

	if (!n) {
		return mbuf_printf(mb, "<tuple id=\"none\"><status><basic>"
				  "closed</basic></status></tuple>\r\n"
				  "</presence>\r\n");
	}

	for (size_t i = 0; i < n; i++) {
		if (!sv[i].id || !sv[i].id[0])
			return EINVAL;

		err = mbuf_printf(mb, "<tuple id=\"s%zu\">\r\n"
				 " <status><basic>open</basic></status>\r\n"
				 " <op:service-description>\r\n"
				 "  <op:service-id>%H</op:service-id>\r\n"
				 "  <op:version>%H</op:version>\r\n",
				 i, xml_escape, sv[i].id, xml_escape,
				 sv[i].version ? sv[i].version : "1.0");
		if (!err && sv[i].description)
			err = mbuf_printf(mb, "  <op:description>%H"
					 "</op:description>\r\n",
					 xml_escape, sv[i].description);
		if (!err)
			err = mbuf_printf(mb, " </op:service-description>\r\n");
		if (!err && contact)
			err = mbuf_printf(mb, " <contact>%H</contact>\r\n",
					 xml_escape, contact);
		if (!err)
			err = mbuf_printf(mb, "</tuple>\r\n");
		if (err)
			return err;
	}

	return mbuf_printf(mb, "</presence>\r\n");
}
