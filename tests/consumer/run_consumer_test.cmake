# Installs the built library into a scratch prefix, then configures, builds and runs a tiny
# consumer project that finds it with find_package(evenhand CONFIG), in C++ and, through the
# C API, in C.
file(REMOVE_RECURSE ${WORK_DIR})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK_DIR}/prefix
                RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "install failed: ${rc}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/consumer -B ${WORK_DIR}/build
                        -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix -DCMAKE_BUILD_TYPE=Release
                RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "configure of the consumer failed: ${rc}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK_DIR}/build RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "build of the consumer failed: ${rc}")
endif()
execute_process(COMMAND ${WORK_DIR}/build/consumer OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "consumer failed: ${rc}\n${out}")
endif()
if(NOT out MATCHES "^true\n$")
  message(FATAL_ERROR "consumer printed '${out}', expected 'true'")
endif()
message(STATUS "consumer printed: ${out}")
if(EXISTS ${WORK_DIR}/build/consumer_c)
  execute_process(COMMAND ${WORK_DIR}/build/consumer_c OUTPUT_VARIABLE out RESULT_VARIABLE rc)
  if(rc OR NOT out MATCHES "^abi [0-9]+\n$")
    message(FATAL_ERROR "consumer_c failed: ${rc}: '${out}'")
  endif()
  message(STATUS "consumer_c printed: ${out}")
endif()
