# easel_module(NAME SOURCES ... DEPS ... [LIBS ...] [TESTS ...])
#
# One static library per src/<module>. DEPS names other easel modules (without the prefix) and
# is the only way a module may reach another: tests/layering_check.sh compares every
# `#include "<module>/..."` against the transitive DEPS recorded here, so the dependency
# direction of DESIGN.md §2 is enforced by the build. LIBS are third-party targets. TESTS are
# the unit tests that sit beside the code; they become one gtest binary per module.
set_property(GLOBAL PROPERTY EASEL_MODULE_GRAPH "")

# Tests share one PostgreSQL cluster started by a ctest fixture (tests/testing/pg_fixture.cc).
set(EASEL_TEST_PG_PROPERTIES
    FIXTURES_REQUIRED postgres
    ENVIRONMENT EASEL_TEST_POSTGRES_SERVER_FILE=${PROJECT_BINARY_DIR}/pg-fixture/url)

function(easel_module name)
  cmake_parse_arguments(M "" "" "SOURCES;DEPS;LIBS;TESTS" ${ARGN})
  add_library(easel_${name} STATIC ${M_SOURCES})
  target_include_directories(easel_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src
                                                  ${PROJECT_BINARY_DIR}/src)
  set(dep_targets)
  foreach(d IN LISTS M_DEPS)
    list(APPEND dep_targets easel_${d})
  endforeach()
  target_link_libraries(easel_${name} PUBLIC ${dep_targets} ${M_LIBS})
  set_property(GLOBAL APPEND_STRING PROPERTY EASEL_MODULE_GRAPH "${name}:${M_DEPS}\n")

  if(M_TESTS AND EASEL_BUILD_TESTS)
    add_executable(easel_${name}_test ${M_TESTS})
    target_link_libraries(easel_${name}_test PRIVATE easel_${name} easel_testing GTest::gmock_main)
    gtest_discover_tests(easel_${name}_test DISCOVERY_TIMEOUT 60 PROPERTIES LABELS unit
                         ${EASEL_TEST_PG_PROPERTIES})
  endif()
endfunction()

# easel_tests(NAME name MODULE module TESTS ...): an extra unit-test binary for one part of a
# module (data's tabular, images and transforms parts each have their own, so a part's tests
# build and run on their own).
function(easel_tests)
  cmake_parse_arguments(T "" "NAME;MODULE" "TESTS;LIBS" ${ARGN})
  if(T_TESTS AND EASEL_BUILD_TESTS)
    add_executable(easel_${T_NAME}_test ${T_TESTS})
    target_link_libraries(easel_${T_NAME}_test PRIVATE easel_${T_MODULE} easel_testing
                                                       GTest::gmock_main ${T_LIBS})
    gtest_discover_tests(easel_${T_NAME}_test DISCOVERY_TIMEOUT 60 PROPERTIES LABELS unit
                         ${EASEL_TEST_PG_PROPERTIES})
  endif()
endfunction()
