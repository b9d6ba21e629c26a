#include "common/background_thread.hpp"

#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

namespace contactsd {

void BecomeBackgroundThread(const char* name) {
  pthread_setname_np(pthread_self(), name);
  // On Linux a "process" priority given the id of a thread is that thread's alone. Nice 10, not
  // SCHED_IDLE: a machine busy for hours still delivers (about a tenth of a core's share).
  (void)setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 10);
}

}  // namespace contactsd
