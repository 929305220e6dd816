# CPACK_PRE_BUILD_SCRIPTS: adds to the staged package tree what belongs in the .deb only, not in a
# `cmake --install`: the lintian overrides and the Debian changelog (the package is version
# UPSTREAM-1, so the upstream CHANGELOG stays changelog.gz beside it).
file(GLOB _roots "${CPACK_TEMPORARY_INSTALL_DIRECTORY}*")
foreach(_root ${_roots})
  set(_usr "${_root}${CPACK_PACKAGING_INSTALL_PREFIX}")
  if(IS_DIRECTORY "${_usr}")
    file(MAKE_DIRECTORY "${_usr}/share/lintian/overrides")
    configure_file("${CPACK_RESTSIGN_DEBIAN_DIR}/lintian-overrides" "${_usr}/share/lintian/overrides/restsign" COPYONLY)
    # The date from SOURCE_DATE_EPOCH when set (reproducible builds), else now.
    string(TIMESTAMP _date "%a, %d %b %Y %H:%M:%S +0000" UTC)
    file(WRITE "${_usr}/share/doc/restsign/changelog.Debian"
"restsign (${CPACK_DEBIAN_PACKAGE_VERSION}-${CPACK_DEBIAN_PACKAGE_RELEASE}) unstable; urgency=medium

  * Built with CPack from the upstream tree; changelog.gz lists the changes.

 -- ${CPACK_PACKAGE_CONTACT}  ${_date}
")
    execute_process(COMMAND gzip -9nf "${_usr}/share/doc/restsign/changelog.Debian" RESULT_VARIABLE _status)
    if(NOT _status EQUAL 0)
      message(FATAL_ERROR "gzip changelog.Debian: ${_status}")
    endif()
  endif()
endforeach()
