# Finds ONNX Runtime's C API header (onnxruntime_c_api.h) for the build.  Nothing is
# linked: the library is dlopen'ed at run time from the onnxruntime wheel.
#
# Sources, in order; each is checked (the file exists and its ORT_API_VERSION is at least
# the pinned one) and the first that passes wins:
#   dir      ONNXRUNTIME_INCLUDE_DIR, as a CMake or environment variable;
#   cache    a header an earlier build fetched ($MEDSAM_FAST_HOME/ort-headers, else
#            ~/.cache/medsam_fast/ort-headers);
#   release  the header of the pinned ONNX Runtime release (cmake/ort_pin.cmake), checked
#            against its SHA-256 before it is cached;
#   debian   Debian's libonnxruntime-dev through apt (cmake/debian_ort_headers.py), for
#            machines that reach Debian's archive but not the release.
#
# include() it to get MEDSAM_FAST_ORT_INCLUDE_DIR, or run it alone (as the tests do):
#   cmake [-D<variable>=...] -P cmake/ort_headers.cmake
# which prints the include folder on its last line.  Variables a caller may set:
#   MEDSAM_FAST_ORT_HEADER_SOURCES  the sources to try (default: dir;cache;release;debian)
#   MEDSAM_FAST_ORT_CACHE           the cache folder
#   MEDSAM_FAST_ORT_HEADER_URL      the release header's URL (default: the pin)
#   MEDSAM_FAST_ORT_HEADER_SHA256   its SHA-256 (default: the pin)

include("${CMAKE_CURRENT_LIST_DIR}/ort_pin.cmake")
set(_ort_header_name "onnxruntime_c_api.h")

if(NOT DEFINED MEDSAM_FAST_ORT_HEADER_SOURCES)
  set(MEDSAM_FAST_ORT_HEADER_SOURCES dir cache release debian)
endif()
if(NOT MEDSAM_FAST_ORT_HEADER_URL)
  set(MEDSAM_FAST_ORT_HEADER_URL "${MEDSAM_FAST_ORT_RELEASE_HEADER_URL}")
endif()
if(NOT MEDSAM_FAST_ORT_HEADER_SHA256)
  set(MEDSAM_FAST_ORT_HEADER_SHA256 "${MEDSAM_FAST_ORT_RELEASE_HEADER_SHA256}")
endif()
if(NOT MEDSAM_FAST_ORT_CACHE)
  if(DEFINED ENV{MEDSAM_FAST_HOME})
    set(MEDSAM_FAST_ORT_CACHE "$ENV{MEDSAM_FAST_HOME}/ort-headers")
  elseif(DEFINED ENV{HOME})
    set(MEDSAM_FAST_ORT_CACHE "$ENV{HOME}/.cache/medsam_fast/ort-headers")
  else()
    set(MEDSAM_FAST_ORT_CACHE "${CMAKE_BINARY_DIR}/ort-headers")
  endif()
endif()

# Sets ${out} to the folder if it holds a header of at least the pinned API version, else
# to "" and ${why} to the reason.
function(_ort_check_folder folder out why)
  set(${out} "" PARENT_SCOPE)
  set(_header "${folder}/${_ort_header_name}")
  if(NOT EXISTS "${_header}")
    set(${why} "no ${_ort_header_name} in ${folder}" PARENT_SCOPE)
    return()
  endif()
  file(STRINGS "${_header}" _define REGEX "^#define ORT_API_VERSION [0-9]+")
  string(REGEX REPLACE "^#define ORT_API_VERSION ([0-9]+).*" "\\1" _api "${_define}")
  if(NOT _api OR _api LESS MEDSAM_FAST_ORT_API_VERSION)
    set(${why} "${_header} has API version '${_api}', older than ${MEDSAM_FAST_ORT_API_VERSION}"
        PARENT_SCOPE)
    return()
  endif()
  set(${out} "${folder}" PARENT_SCOPE)
endfunction()

function(_ort_from_dir out why)
  set(_dir "${ONNXRUNTIME_INCLUDE_DIR}")
  if(NOT _dir AND DEFINED ENV{ONNXRUNTIME_INCLUDE_DIR})
    set(_dir "$ENV{ONNXRUNTIME_INCLUDE_DIR}")
  endif()
  if(NOT _dir)
    set(${out} "" PARENT_SCOPE)
    set(${why} "ONNXRUNTIME_INCLUDE_DIR is not set" PARENT_SCOPE)
    return()
  endif()
  _ort_check_folder("${_dir}" _found _reason)
  set(${out} "${_found}" PARENT_SCOPE)
  set(${why} "${_reason}" PARENT_SCOPE)
endfunction()

function(_ort_from_cache out why)
  _ort_check_folder("${MEDSAM_FAST_ORT_CACHE}" _found _reason)
  set(${out} "${_found}" PARENT_SCOPE)
  set(${why} "cache: ${_reason}" PARENT_SCOPE)
endfunction()

# Downloads the release header next to the cache, and moves it in only once its SHA-256
# matches, so a failed or tampered download never lands in the cache.
function(_ort_from_release out why)
  set(${out} "" PARENT_SCOPE)
  set(_partial "${MEDSAM_FAST_ORT_CACHE}.partial")
  file(REMOVE_RECURSE "${_partial}")
  file(MAKE_DIRECTORY "${_partial}")
  file(DOWNLOAD "${MEDSAM_FAST_ORT_HEADER_URL}" "${_partial}/${_ort_header_name}"
       STATUS _status TIMEOUT 60 INACTIVITY_TIMEOUT 20 TLS_VERIFY ON)
  list(GET _status 0 _code)
  if(NOT _code EQUAL 0)
    list(GET _status 1 _message)
    file(REMOVE_RECURSE "${_partial}")
    set(${why} "release: download of ${MEDSAM_FAST_ORT_HEADER_URL} failed (${_message})"
        PARENT_SCOPE)
    return()
  endif()
  file(SHA256 "${_partial}/${_ort_header_name}" _actual)
  string(TOLOWER "${MEDSAM_FAST_ORT_HEADER_SHA256}" _expected)
  if(NOT _actual STREQUAL _expected)
    file(REMOVE_RECURSE "${_partial}")
    set(${why} "release: ${MEDSAM_FAST_ORT_HEADER_URL} has SHA-256 ${_actual}, expected ${_expected}; not used"
        PARENT_SCOPE)
    return()
  endif()
  file(REMOVE_RECURSE "${MEDSAM_FAST_ORT_CACHE}")
  file(RENAME "${_partial}" "${MEDSAM_FAST_ORT_CACHE}")
  _ort_check_folder("${MEDSAM_FAST_ORT_CACHE}" _found _reason)
  set(${out} "${_found}" PARENT_SCOPE)
  set(${why} "release: ${_reason}" PARENT_SCOPE)
endfunction()

function(_ort_from_debian out why)
  set(${out} "" PARENT_SCOPE)
  set(_python "${Python_EXECUTABLE}")
  if(NOT _python)
    find_program(_python NAMES python3 python)
  endif()
  execute_process(
    COMMAND "${_python}" "${CMAKE_CURRENT_FUNCTION_LIST_DIR}/debian_ort_headers.py"
            "${MEDSAM_FAST_ORT_CACHE}" "${MEDSAM_FAST_ORT_API_VERSION}"
    RESULT_VARIABLE _result
    OUTPUT_QUIET)
  if(NOT _result EQUAL 0)
    set(${why} "debian: libonnxruntime-dev could not be fetched through apt (see above)"
        PARENT_SCOPE)
    return()
  endif()
  _ort_check_folder("${MEDSAM_FAST_ORT_CACHE}" _found _reason)
  set(${out} "${_found}" PARENT_SCOPE)
  set(${why} "debian: ${_reason}" PARENT_SCOPE)
endfunction()

function(medsam_fast_find_ort_headers out)
  set(_reasons "")
  foreach(_source IN LISTS MEDSAM_FAST_ORT_HEADER_SOURCES)
    if(NOT COMMAND _ort_from_${_source})
      message(FATAL_ERROR "unknown ONNX Runtime header source '${_source}' "
                          "(known: dir cache release debian)")
    endif()
    cmake_language(CALL _ort_from_${_source} _found _why)
    if(_found)
      message(STATUS "ONNX Runtime C API header (${_source}): ${_found}")
      set(${out} "${_found}" PARENT_SCOPE)
      return()
    endif()
    string(APPEND _reasons "\n  - ${_why}")
  endforeach()
  message(FATAL_ERROR
    "No usable ONNX Runtime C API header (${_ort_header_name}, API version >= "
    "${MEDSAM_FAST_ORT_API_VERSION}).  Tried:${_reasons}\n"
    "Fix one of: set ONNXRUNTIME_INCLUDE_DIR to a folder holding ${_ort_header_name} "
    "(ONNX Runtime >= ${MEDSAM_FAST_ORT_VERSION}); let the build reach ONNX Runtime's release "
    "(${MEDSAM_FAST_ORT_HEADER_URL}); or, on Debian, let apt reach an archive that carries "
    "libonnxruntime-dev.")
endfunction()

if(CMAKE_SCRIPT_MODE_FILE STREQUAL CMAKE_CURRENT_LIST_FILE)
  medsam_fast_find_ort_headers(_include)
  message("${_include}")
endif()
