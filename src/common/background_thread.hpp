// Work that can wait: the calling thread takes a name (for top -H, perf and gdb) and a lower CPU
// priority than the threads that answer requests (nice +10 for this thread alone, as Linux
// allows), so that on a busy machine the API is served first and the background work catches up
// when it is idle. Best effort: a system that refuses either leaves the thread as it was.
#pragma once

namespace contactsd {

void BecomeBackgroundThread(const char* name);

}  // namespace contactsd
