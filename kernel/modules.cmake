# SPDX-License-Identifier: GPL-2.0-only
# uaccel_kbuild(TARGET KDIR OUTDIR [ALL]): build the modules against the
# kernel tree KDIR in OUTDIR/kernel; the .ko files land in
# OUTDIR/kernel/core and OUTDIR/kernel/hw/<driver>.
function(uaccel_kbuild target kdir outdir)
	file(GLOB_RECURSE _srcs CONFIGURE_DEPENDS
		${CMAKE_SOURCE_DIR}/kernel/*.c ${CMAKE_SOURCE_DIR}/kernel/*.h
		${CMAKE_SOURCE_DIR}/kernel/Kbuild ${CMAKE_SOURCE_DIR}/kernel/*/Kbuild
		${CMAKE_SOURCE_DIR}/kernel/*/*/Kbuild ${CMAKE_SOURCE_DIR}/include/uapi/uaccel/*.h)
	set(_kcflags "")
	if(UACCEL_WERROR)
		set(_kcflags "KCFLAGS=-Werror")
	endif()
	set(_all "")
	if(ARGN)
		set(_all ALL)
	endif()
	# Kbuild cannot take a path with white space (M= becomes two words):
	# such a build tree is reached through a symbolic link without any.
	set(_kout ${outdir})
	set(_link true)
	if(outdir MATCHES "[ \t]")
		string(MD5 _hash "${outdir}")
		set(_kout /tmp/uaccel-kbuild-${_hash})
		set(_link ln -sfn ${outdir} ${_kout})
	endif()
	add_custom_target(${target} ${_all}
		COMMAND mkdir -p ${outdir}/include
		COMMAND cp -a --update ${CMAKE_SOURCE_DIR}/kernel ${outdir}/
		COMMAND cp -a --update ${CMAKE_SOURCE_DIR}/include/uapi ${outdir}/include/
		COMMAND ${_link}
		COMMAND $(MAKE) -C ${kdir} M=${_kout}/kernel W=1 ${_kcflags} modules
		DEPENDS ${_srcs}
		COMMENT "kbuild: uaccel modules against ${kdir}"
		VERBATIM)
endfunction()
