# Install step of CMakeLists.txt: under `cmake --install --strip` (or cpack with CPACK_STRIP_FILES),
# strips what install(FILES)/install(PROGRAMS) put in place, which CMake itself never strips.
# RESTSIGN_STRIP_FILES: the strip program, then the shared library, the archive and the command
# (relative to the prefix; the command may be absent).
if(NOT CMAKE_INSTALL_DO_STRIP)
  return()
endif()
list(POP_FRONT RESTSIGN_STRIP_FILES _strip _shared _archive _command)
set(_root "$ENV{DESTDIR}${CMAKE_INSTALL_PREFIX}")
set(_drop --remove-section=.comment --remove-section=.note)
function(_restsign_strip)
  execute_process(COMMAND "${_strip}" ${ARGN} RESULT_VARIABLE _status)
  if(NOT _status EQUAL 0)
    message(FATAL_ERROR "${_strip} ${ARGN}: ${_status}")
  endif()
endfunction()
_restsign_strip(--strip-unneeded ${_drop} "${_root}/${_shared}")
# Only debug sections from the archive: its symbols are what a static link resolves against.
_restsign_strip(--strip-debug ${_drop} --enable-deterministic-archives "${_root}/${_archive}")
if(EXISTS "${_root}/${_command}")
  _restsign_strip(${_drop} "${_root}/${_command}")
endif()
