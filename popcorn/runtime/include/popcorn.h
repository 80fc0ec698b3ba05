/* Popcorn's migration API: move the calling thread between the aarch64 and riscv64 nodes while it runs. */
#ifndef POPCORN_H
#define POPCORN_H

/* Node ids: 0 is aarch64, 1 is riscv64. */
#define POPCORN_NODE_AARCH64 0
#define POPCORN_NODE_RISCV64 1

/* The node the calling thread runs on. */
int current_nid(void);

/* Whether node nid exists and accepts threads (1) or not (0). */
int node_available(int nid);

/* Migrates the calling thread to node nid (staying is a no-op), then calls cb(data) there when cb is not NULL.
   Returns 0, or -1 when the node does not exist or the stack cannot be rewritten (the thread stays). */
int migrate(int nid, void (*cb)(void *), void *data);

/* A migration point: migrates when a request is pending for this thread (from the emulator's policy, the
   schedule or 'popcorn migrate'), then calls cb(data) on the new node. Compiled code has one at every
   function entry and exit; this is the explicit form. */
void check_migrate(void (*cb)(void *), void *data);

#endif
