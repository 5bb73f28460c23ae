# Helpers shared by every module's CMakeLists.txt.

# rampart_module(NAME SOURCES ... DEPS ...): a static library `rampart_NAME`
# whose public include root is src/. DEPS are its allowed dependencies: the
# include checker (tools/check_includes.py) reads them from here.
function(rampart_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(rampart_${name} STATIC ${ARG_SOURCES})
  target_include_directories(rampart_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(rampart_${name} PUBLIC ${ARG_DEPS})
endfunction()

# rampart_add_test(NAME SOURCES ... DEPS ...): a GoogleTest executable whose
# tests CTest discovers one by one. Tests run in build/ and find the shared
# data through RAMPART_SHARED_DATA (see tests/testing/test_data.h).
function(rampart_add_test name)
  if(NOT RAMPART_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} rampart_testing GTest::gtest GTest::gmock GTest::gtest_main)
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  gtest_discover_tests(${name}
    WORKING_DIRECTORY ${PROJECT_BINARY_DIR}
    DISCOVERY_TIMEOUT 60
    PROPERTIES TIMEOUT ${ARG_TIMEOUT} LABELS "${ARG_LABELS}"
    ENVIRONMENT "RAMPART_SHARED_DATA=${RAMPART_SHARED_DATA}")
  # RAMPART_SOURCE_DIR and RAMPART_BINARY reach the test through defaults
  # compiled into rampart_testing (gtest_discover_tests splits a list-valued
  # ENVIRONMENT, so only one variable can be passed that way).
endfunction()
