# Optional CUDA: AUTO enables it when a working nvcc is found, ON requires it, OFF skips it.
# The GPU backend (host/gpu_backend) is its only user; the switch makes configure behave the same on
# machines with and without nvcc.
set(MONDE_HAVE_CUDA OFF)
if(NOT MONDE_CUDA STREQUAL "OFF")
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
      set(CMAKE_CUDA_ARCHITECTURES 90)  # H100/H200; "native" fails on machines without a GPU
    endif()
    set(CMAKE_CUDA_RUNTIME_LIBRARY Shared)
    enable_language(CUDA)
    set(MONDE_HAVE_CUDA ON)
  elseif(MONDE_CUDA STREQUAL "ON")
    message(FATAL_ERROR "MONDE_CUDA=ON but no working CUDA compiler (nvcc) was found")
  endif()
endif()
message(STATUS "MoNDE: CUDA backend ${MONDE_HAVE_CUDA} (MONDE_CUDA=${MONDE_CUDA})")
