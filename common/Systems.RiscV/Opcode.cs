namespace Systems.RiscV;

/// <summary>The operations the decoder knows (RV32/RV64 I, M, A, F, D, Zicsr, Zifencei, privileged); compressed
/// instructions decode to these too.</summary>
public enum Opcode : ushort
{
    /// <summary>Bits that encode no known instruction.</summary>
    Illegal,

    /// <summary><c>lui</c> (RV32I/RV64I base).</summary>
    Lui,

    /// <summary><c>auipc</c> (RV32I/RV64I base).</summary>
    Auipc,

    /// <summary><c>jal</c> (RV32I/RV64I base).</summary>
    Jal,

    /// <summary><c>jalr</c> (RV32I/RV64I base).</summary>
    Jalr,

    /// <summary><c>beq</c> (RV32I/RV64I base).</summary>
    Beq,

    /// <summary><c>bne</c> (RV32I/RV64I base).</summary>
    Bne,

    /// <summary><c>blt</c> (RV32I/RV64I base).</summary>
    Blt,

    /// <summary><c>bge</c> (RV32I/RV64I base).</summary>
    Bge,

    /// <summary><c>bltu</c> (RV32I/RV64I base).</summary>
    Bltu,

    /// <summary><c>bgeu</c> (RV32I/RV64I base).</summary>
    Bgeu,

    /// <summary><c>lb</c> (RV32I/RV64I base).</summary>
    Lb,

    /// <summary><c>lh</c> (RV32I/RV64I base).</summary>
    Lh,

    /// <summary><c>lw</c> (RV32I/RV64I base).</summary>
    Lw,

    /// <summary><c>ld</c> (RV32I/RV64I base).</summary>
    Ld,

    /// <summary><c>lbu</c> (RV32I/RV64I base).</summary>
    Lbu,

    /// <summary><c>lhu</c> (RV32I/RV64I base).</summary>
    Lhu,

    /// <summary><c>lwu</c> (RV32I/RV64I base).</summary>
    Lwu,

    /// <summary><c>sb</c> (RV32I/RV64I base).</summary>
    Sb,

    /// <summary><c>sh</c> (RV32I/RV64I base).</summary>
    Sh,

    /// <summary><c>sw</c> (RV32I/RV64I base).</summary>
    Sw,

    /// <summary><c>sd</c> (RV32I/RV64I base).</summary>
    Sd,

    /// <summary><c>addi</c> (RV32I/RV64I base).</summary>
    Addi,

    /// <summary><c>slti</c> (RV32I/RV64I base).</summary>
    Slti,

    /// <summary><c>sltiu</c> (RV32I/RV64I base).</summary>
    Sltiu,

    /// <summary><c>xori</c> (RV32I/RV64I base).</summary>
    Xori,

    /// <summary><c>ori</c> (RV32I/RV64I base).</summary>
    Ori,

    /// <summary><c>andi</c> (RV32I/RV64I base).</summary>
    Andi,

    /// <summary><c>slli</c> (RV32I/RV64I base).</summary>
    Slli,

    /// <summary><c>srli</c> (RV32I/RV64I base).</summary>
    Srli,

    /// <summary><c>srai</c> (RV32I/RV64I base).</summary>
    Srai,

    /// <summary><c>add</c> (RV32I/RV64I base).</summary>
    Add,

    /// <summary><c>sub</c> (RV32I/RV64I base).</summary>
    Sub,

    /// <summary><c>sll</c> (RV32I/RV64I base).</summary>
    Sll,

    /// <summary><c>slt</c> (RV32I/RV64I base).</summary>
    Slt,

    /// <summary><c>sltu</c> (RV32I/RV64I base).</summary>
    Sltu,

    /// <summary><c>xor</c> (RV32I/RV64I base).</summary>
    Xor,

    /// <summary><c>srl</c> (RV32I/RV64I base).</summary>
    Srl,

    /// <summary><c>sra</c> (RV32I/RV64I base).</summary>
    Sra,

    /// <summary><c>or</c> (RV32I/RV64I base).</summary>
    Or,

    /// <summary><c>and</c> (RV32I/RV64I base).</summary>
    And,

    /// <summary><c>addiw</c> (RV32I/RV64I base).</summary>
    Addiw,

    /// <summary><c>slliw</c> (RV32I/RV64I base).</summary>
    Slliw,

    /// <summary><c>srliw</c> (RV32I/RV64I base).</summary>
    Srliw,

    /// <summary><c>sraiw</c> (RV32I/RV64I base).</summary>
    Sraiw,

    /// <summary><c>addw</c> (RV32I/RV64I base).</summary>
    Addw,

    /// <summary><c>subw</c> (RV32I/RV64I base).</summary>
    Subw,

    /// <summary><c>sllw</c> (RV32I/RV64I base).</summary>
    Sllw,

    /// <summary><c>srlw</c> (RV32I/RV64I base).</summary>
    Srlw,

    /// <summary><c>sraw</c> (RV32I/RV64I base).</summary>
    Sraw,

    /// <summary><c>fence</c> (RV32I/RV64I base).</summary>
    Fence,

    /// <summary><c>fence.tso</c> (RV32I/RV64I base).</summary>
    FenceTso,

    /// <summary><c>ecall</c> (RV32I/RV64I base).</summary>
    Ecall,

    /// <summary><c>ebreak</c> (RV32I/RV64I base).</summary>
    Ebreak,

    /// <summary><c>fence.i</c> (Zifencei).</summary>
    FenceI,

    /// <summary><c>csrrw</c> (Zicsr).</summary>
    Csrrw,

    /// <summary><c>csrrs</c> (Zicsr).</summary>
    Csrrs,

    /// <summary><c>csrrc</c> (Zicsr).</summary>
    Csrrc,

    /// <summary><c>csrrwi</c> (Zicsr).</summary>
    Csrrwi,

    /// <summary><c>csrrsi</c> (Zicsr).</summary>
    Csrrsi,

    /// <summary><c>csrrci</c> (Zicsr).</summary>
    Csrrci,

    /// <summary><c>mul</c> (M).</summary>
    Mul,

    /// <summary><c>mulh</c> (M).</summary>
    Mulh,

    /// <summary><c>mulhsu</c> (M).</summary>
    Mulhsu,

    /// <summary><c>mulhu</c> (M).</summary>
    Mulhu,

    /// <summary><c>div</c> (M).</summary>
    Div,

    /// <summary><c>divu</c> (M).</summary>
    Divu,

    /// <summary><c>rem</c> (M).</summary>
    Rem,

    /// <summary><c>remu</c> (M).</summary>
    Remu,

    /// <summary><c>mulw</c> (M).</summary>
    Mulw,

    /// <summary><c>divw</c> (M).</summary>
    Divw,

    /// <summary><c>divuw</c> (M).</summary>
    Divuw,

    /// <summary><c>remw</c> (M).</summary>
    Remw,

    /// <summary><c>remuw</c> (M).</summary>
    Remuw,

    /// <summary><c>lr.w</c> (A).</summary>
    LrW,

    /// <summary><c>sc.w</c> (A).</summary>
    ScW,

    /// <summary><c>amoswap.w</c> (A).</summary>
    AmoswapW,

    /// <summary><c>amoadd.w</c> (A).</summary>
    AmoaddW,

    /// <summary><c>amoxor.w</c> (A).</summary>
    AmoxorW,

    /// <summary><c>amoand.w</c> (A).</summary>
    AmoandW,

    /// <summary><c>amoor.w</c> (A).</summary>
    AmoorW,

    /// <summary><c>amomin.w</c> (A).</summary>
    AmominW,

    /// <summary><c>amomax.w</c> (A).</summary>
    AmomaxW,

    /// <summary><c>amominu.w</c> (A).</summary>
    AmominuW,

    /// <summary><c>amomaxu.w</c> (A).</summary>
    AmomaxuW,

    /// <summary><c>lr.d</c> (A).</summary>
    LrD,

    /// <summary><c>sc.d</c> (A).</summary>
    ScD,

    /// <summary><c>amoswap.d</c> (A).</summary>
    AmoswapD,

    /// <summary><c>amoadd.d</c> (A).</summary>
    AmoaddD,

    /// <summary><c>amoxor.d</c> (A).</summary>
    AmoxorD,

    /// <summary><c>amoand.d</c> (A).</summary>
    AmoandD,

    /// <summary><c>amoor.d</c> (A).</summary>
    AmoorD,

    /// <summary><c>amomin.d</c> (A).</summary>
    AmominD,

    /// <summary><c>amomax.d</c> (A).</summary>
    AmomaxD,

    /// <summary><c>amominu.d</c> (A).</summary>
    AmominuD,

    /// <summary><c>amomaxu.d</c> (A).</summary>
    AmomaxuD,

    /// <summary><c>flw</c> (F).</summary>
    Flw,

    /// <summary><c>fsw</c> (F).</summary>
    Fsw,

    /// <summary><c>fmadd.s</c> (F).</summary>
    FmaddS,

    /// <summary><c>fmsub.s</c> (F).</summary>
    FmsubS,

    /// <summary><c>fnmsub.s</c> (F).</summary>
    FnmsubS,

    /// <summary><c>fnmadd.s</c> (F).</summary>
    FnmaddS,

    /// <summary><c>fadd.s</c> (F).</summary>
    FaddS,

    /// <summary><c>fsub.s</c> (F).</summary>
    FsubS,

    /// <summary><c>fmul.s</c> (F).</summary>
    FmulS,

    /// <summary><c>fdiv.s</c> (F).</summary>
    FdivS,

    /// <summary><c>fsqrt.s</c> (F).</summary>
    FsqrtS,

    /// <summary><c>fsgnj.s</c> (F).</summary>
    FsgnjS,

    /// <summary><c>fsgnjn.s</c> (F).</summary>
    FsgnjnS,

    /// <summary><c>fsgnjx.s</c> (F).</summary>
    FsgnjxS,

    /// <summary><c>fmin.s</c> (F).</summary>
    FminS,

    /// <summary><c>fmax.s</c> (F).</summary>
    FmaxS,

    /// <summary><c>fcvt.w.s</c> (F).</summary>
    FcvtWS,

    /// <summary><c>fcvt.wu.s</c> (F).</summary>
    FcvtWuS,

    /// <summary><c>fmv.x.w</c> (F).</summary>
    FmvXW,

    /// <summary><c>feq.s</c> (F).</summary>
    FeqS,

    /// <summary><c>flt.s</c> (F).</summary>
    FltS,

    /// <summary><c>fle.s</c> (F).</summary>
    FleS,

    /// <summary><c>fclass.s</c> (F).</summary>
    FclassS,

    /// <summary><c>fcvt.s.w</c> (F).</summary>
    FcvtSW,

    /// <summary><c>fcvt.s.wu</c> (F).</summary>
    FcvtSWu,

    /// <summary><c>fmv.w.x</c> (F).</summary>
    FmvWX,

    /// <summary><c>fcvt.l.s</c> (F).</summary>
    FcvtLS,

    /// <summary><c>fcvt.lu.s</c> (F).</summary>
    FcvtLuS,

    /// <summary><c>fcvt.s.l</c> (F).</summary>
    FcvtSL,

    /// <summary><c>fcvt.s.lu</c> (F).</summary>
    FcvtSLu,

    /// <summary><c>fld</c> (D).</summary>
    Fld,

    /// <summary><c>fsd</c> (D).</summary>
    Fsd,

    /// <summary><c>fmadd.d</c> (D).</summary>
    FmaddD,

    /// <summary><c>fmsub.d</c> (D).</summary>
    FmsubD,

    /// <summary><c>fnmsub.d</c> (D).</summary>
    FnmsubD,

    /// <summary><c>fnmadd.d</c> (D).</summary>
    FnmaddD,

    /// <summary><c>fadd.d</c> (D).</summary>
    FaddD,

    /// <summary><c>fsub.d</c> (D).</summary>
    FsubD,

    /// <summary><c>fmul.d</c> (D).</summary>
    FmulD,

    /// <summary><c>fdiv.d</c> (D).</summary>
    FdivD,

    /// <summary><c>fsqrt.d</c> (D).</summary>
    FsqrtD,

    /// <summary><c>fsgnj.d</c> (D).</summary>
    FsgnjD,

    /// <summary><c>fsgnjn.d</c> (D).</summary>
    FsgnjnD,

    /// <summary><c>fsgnjx.d</c> (D).</summary>
    FsgnjxD,

    /// <summary><c>fmin.d</c> (D).</summary>
    FminD,

    /// <summary><c>fmax.d</c> (D).</summary>
    FmaxD,

    /// <summary><c>fcvt.s.d</c> (D).</summary>
    FcvtSD,

    /// <summary><c>fcvt.d.s</c> (D).</summary>
    FcvtDS,

    /// <summary><c>feq.d</c> (D).</summary>
    FeqD,

    /// <summary><c>flt.d</c> (D).</summary>
    FltD,

    /// <summary><c>fle.d</c> (D).</summary>
    FleD,

    /// <summary><c>fclass.d</c> (D).</summary>
    FclassD,

    /// <summary><c>fcvt.w.d</c> (D).</summary>
    FcvtWD,

    /// <summary><c>fcvt.wu.d</c> (D).</summary>
    FcvtWuD,

    /// <summary><c>fcvt.d.w</c> (D).</summary>
    FcvtDW,

    /// <summary><c>fcvt.d.wu</c> (D).</summary>
    FcvtDWu,

    /// <summary><c>fcvt.l.d</c> (D).</summary>
    FcvtLD,

    /// <summary><c>fcvt.lu.d</c> (D).</summary>
    FcvtLuD,

    /// <summary><c>fmv.x.d</c> (D).</summary>
    FmvXD,

    /// <summary><c>fcvt.d.l</c> (D).</summary>
    FcvtDL,

    /// <summary><c>fcvt.d.lu</c> (D).</summary>
    FcvtDLu,

    /// <summary><c>fmv.d.x</c> (D).</summary>
    FmvDX,

    /// <summary><c>sret</c> (Privileged).</summary>
    Sret,

    /// <summary><c>mret</c> (Privileged).</summary>
    Mret,

    /// <summary><c>wfi</c> (Privileged).</summary>
    Wfi,

    /// <summary><c>sfence.vma</c> (Privileged).</summary>
    SfenceVma,
}
