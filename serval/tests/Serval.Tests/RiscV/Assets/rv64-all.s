.text
.globl _start
_start:
lui a0, 0x12345
auipc t1, 0xfffff
jal ra, _start
jalr ra, -16(a5)
beq a0, a1, _start
bne s0, zero, _start
blt a2, a3, fwd
bge a4, a5, fwd
bltu t0, t1, fwd
bgeu t2, s1, fwd
fwd:
lb a0, -1(sp)
lh a0, 2047(sp)
lw a0, -2048(sp)
ld a0, 8(sp)
lbu a0, 0(a1)
lhu a0, 2(a1)
lwu a0, 4(a1)
sb a0, -1(sp)
sh a1, 2(sp)
sw a2, 4(sp)
sd a3, 8(sp)
addi a0, a1, -5
slti a0, a1, 5
sltiu a0, a1, 5
xori a0, a1, -1
ori a0, a1, 7
andi a0, a1, 255
slli a0, a1, 63
srli a0, a1, 33
srai a0, a1, 1
add a0, a1, a2
sub a0, a1, a2
sll a0, a1, a2
slt a0, a1, a2
sltu a0, a1, a2
xor a0, a1, a2
srl a0, a1, a2
sra a0, a1, a2
or a0, a1, a2
and a0, a1, a2
addiw a0, a1, -1
slliw a0, a1, 31
srliw a0, a1, 3
sraiw a0, a1, 3
addw a0, a1, a2
subw a0, a1, a2
sllw a0, a1, a2
srlw a0, a1, a2
sraw a0, a1, a2
fence iorw, iorw
fence r, w
fence.tso
fence.i
ecall
ebreak
csrrw zero, mtvec, a0
csrrs a0, mstatus, zero
csrrc a0, mie, a1
csrrwi zero, mscratch, 5
csrrsi a0, mstatus, 8
csrrci a0, mstatus, 31
csrrs a0, pmpaddr3, zero
csrrw a0, pmpcfg0, a1
csrrs a0, 0x7c0, zero
mul a0, a1, a2
mulh a0, a1, a2
mulhsu a0, a1, a2
mulhu a0, a1, a2
div a0, a1, a2
divu a0, a1, a2
rem a0, a1, a2
remu a0, a1, a2
mulw a0, a1, a2
divw a0, a1, a2
divuw a0, a1, a2
remw a0, a1, a2
remuw a0, a1, a2
lr.w a0, (a1)
sc.w a0, a2, (a1)
amoswap.w.aq a0, a2, (a1)
amoadd.w.rl a0, a2, (a1)
amoxor.w.aqrl a0, a2, (a1)
amoand.w a0, a2, (a1)
amoor.w a0, a2, (a1)
amomin.w a0, a2, (a1)
amomax.w a0, a2, (a1)
amominu.w a0, a2, (a1)
amomaxu.w a0, a2, (a1)
lr.d.aq a0, (a1)
sc.d.rl a0, a2, (a1)
amoswap.d a0, a2, (a1)
amoadd.d a0, a2, (a1)
amoxor.d a0, a2, (a1)
amoand.d a0, a2, (a1)
amoor.d a0, a2, (a1)
amomin.d a0, a2, (a1)
amomax.d a0, a2, (a1)
amominu.d a0, a2, (a1)
amomaxu.d a0, a2, (a1)
flw fa0, 4(sp)
fsw fa1, 8(sp)
fmadd.s fa0, fa1, fa2, fa3
fmsub.s fa0, fa1, fa2, fa3, rtz
fnmsub.s fa0, fa1, fa2, fa3
fnmadd.s fa0, fa1, fa2, fa3
fadd.s fa0, fa1, fa2
fsub.s fa0, fa1, fa2, rne
fmul.s fa0, fa1, fa2
fdiv.s fa0, fa1, fa2
fsqrt.s fa0, fa1
fsgnj.s fa0, fa1, fa2
fsgnjn.s fa0, fa1, fa2
fsgnjx.s fa0, fa1, fa2
fmin.s fa0, fa1, fa2
fmax.s fa0, fa1, fa2
fcvt.w.s a0, fa1, rtz
fcvt.wu.s a0, fa1
fmv.x.w a0, fa1
feq.s a0, fa1, fa2
flt.s a0, fa1, fa2
fle.s a0, fa1, fa2
fclass.s a0, fa1
fcvt.s.w fa0, a1
fcvt.s.wu fa0, a1
fmv.w.x fa0, a1
fcvt.l.s a0, fa1
fcvt.lu.s a0, fa1
fcvt.s.l fa0, a1
fcvt.s.lu fa0, a1
fld fs0, 16(sp)
fsd fs1, 24(sp)
fmadd.d fa0, fa1, fa2, fa3
fmsub.d fa0, fa1, fa2, fa3
fnmsub.d fa0, fa1, fa2, fa3
fnmadd.d fa0, fa1, fa2, fa3
fadd.d fa0, fa1, fa2
fsub.d fa0, fa1, fa2
fmul.d fa0, fa1, fa2
fdiv.d fa0, fa1, fa2
fsqrt.d fa0, fa1
fsgnj.d fa0, fa1, fa2
fsgnjn.d fa0, fa1, fa2
fsgnjx.d fa0, fa1, fa2
fmin.d fa0, fa1, fa2
fmax.d fa0, fa1, fa2
fcvt.s.d fa0, fa1
fcvt.d.s fa0, fa1
feq.d a0, fa1, fa2
flt.d a0, fa1, fa2
fle.d a0, fa1, fa2
fclass.d a0, fa1
fcvt.w.d a0, fa1, rtz
fcvt.wu.d a0, fa1
fcvt.d.w fa0, a1
fcvt.d.wu fa0, a1
fcvt.l.d a0, fa1
fcvt.lu.d a0, fa1
fmv.x.d a0, fa1
fcvt.d.l fa0, a1
fcvt.d.lu fa0, a1
fmv.d.x fa0, a1
sret
mret
wfi
sfence.vma a0, a1
sfence.vma zero, zero
