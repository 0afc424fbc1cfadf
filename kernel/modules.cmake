# SPDX-License-Identifier: GPL-2.0-only
# uaccel_kbuild_dir(DIR OUT_PATH OUT_LINK): kbuild cannot take a path with
# white space (M= becomes two words); such a directory is reached through a
# symbolic link without any.  OUT_PATH is the path to give kbuild, OUT_LINK
# the command (a list) that makes the link before it runs.
function(uaccel_kbuild_dir dir out_path out_link)
	if(dir MATCHES "[ \t]")
		string(MD5 _hash "${dir}")
		set(${out_path} /tmp/uaccel-kbuild-${_hash} PARENT_SCOPE)
		set(${out_link} ln -sfn ${dir} /tmp/uaccel-kbuild-${_hash} PARENT_SCOPE)
	else()
		set(${out_path} ${dir} PARENT_SCOPE)
		set(${out_link} true PARENT_SCOPE)
	endif()
endfunction()

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
	uaccel_kbuild_dir(${outdir} _kout _link)
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
