/* ToyMon: a toy RISC-V machine-mode security monitor (after the SOSP 2019 Serval tutorial). */
#pragma once

#define MAXUSER 4
#define CPU_STACK_SIZE 4096
#define USER_ENTRY 0x80200000UL

#define SYS_dict_get 10
#define SYS_dict_set 11
#define SYS_change_user 12
#define ENOSYS 38

extern unsigned long current_user;
extern long dictionary[MAXUSER];

long sys_dict_get(void);
long sys_dict_set(long value);
long sys_change_user(long user);
