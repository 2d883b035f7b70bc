/* libre's DEBUG_* macros, with the levels compiled out still statements. */
#ifndef SIPPUSH_DBG_H
#define SIPPUSH_DBG_H

#include <re_dbg.h>

/*
 * Why: re_dbg.h defines a level above DEBUG_LEVEL as nothing, so with
 * CONFIG_LOG_LEVEL_MAX below 7 `if (err) DEBUG_INFO(...);` is an empty
 * body and a parameter used only in a log line is unused: -Werror stops
 * the build (check-defconfigs.sh, LOG_LEVEL_MAX=4 and 5). `if (0)` keeps
 * the arguments type-checked and used, and the compiler drops the call.
 */
#define DBG_OFF_(lvl, ...) \
	do { if (0) dbg_printf((lvl), __VA_ARGS__); } while (0)

#if DEBUG_LEVEL < 4
#undef DEBUG_WARNING
#define DEBUG_WARNING(...) DBG_OFF_(DBG_WARNING, __VA_ARGS__)
#endif
#if DEBUG_LEVEL < 5
#undef DEBUG_NOTICE
#define DEBUG_NOTICE(...) DBG_OFF_(DBG_NOTICE, __VA_ARGS__)
#endif
#if DEBUG_LEVEL < 6
#undef DEBUG_INFO
#define DEBUG_INFO(...) DBG_OFF_(DBG_INFO, __VA_ARGS__)
#endif
#if DEBUG_LEVEL < 7
#undef DEBUG_PRINTF
#define DEBUG_PRINTF(...) DBG_OFF_(DBG_DEBUG, __VA_ARGS__)
#endif

#endif
