namespace Popcorn.Emulation.AArch64;

/// <summary>
/// The operations the A64 decoder produces. One value per semantic action; operand shapes (32/64-bit, register
/// or immediate, addressing mode) travel in the fields of <see cref="A64Instruction"/>.
/// </summary>
internal enum A64Op : ushort
{
    /// <summary>Not decoded yet: the page cache's initial value, decoded on first execution.</summary>
    Undecoded = 0,
    /// <summary>An encoding this emulator does not implement or the architecture leaves unallocated.</summary>
    Unknown,

    // Data processing: immediate.
    AddImm, AddsImm, SubImm, SubsImm,
    AndImm, OrrImm, EorImm, AndsImm,
    MovConst, Movk,
    Sbfm, Bfm, Ubfm, Extr,

    // Data processing: register.
    AddShift, AddsShift, SubShift, SubsShift,
    AddExt, AddsExt, SubExt, SubsExt,
    Adc, Adcs, Sbc, Sbcs,
    AndShift, BicShift, OrrShift, OrnShift, EorShift, EonShift, AndsShift, BicsShift,
    Lslv, Lsrv, Asrv, Rorv, Udiv, Sdiv,
    Rbit, Rev16, Rev32, Rev64, Clz, Cls,
    Madd, Msub, Smaddl, Smsubl, Umaddl, Umsubl, Smulh, Umulh,
    Csel, Csinc, Csinv, Csneg,
    CcmpReg, CcmnReg, CcmpImm, CcmnImm,

    // Branches and system.
    B, Bl, BCond, Cbz, Cbnz, Tbz, Tbnz, Br, Blr, Ret,
    Svc, Brk, Nop, Barrier, Clrex, Mrs, Msr,

    // Loads and stores: the addressing mode is in A64Instruction.Mode.
    Ldrb, Ldrh, LdrW, LdrX, LdrsbW, LdrsbX, LdrshW, LdrshX, Ldrsw,
    Strb, Strh, StrW, StrX,
    LdrB, LdrH, LdrS, LdrD, LdrQ, StrB, StrH, StrS, StrD, StrQ,
    Prfm,
    LdpW, LdpX, Ldpsw, StpW, StpX, LdpS, LdpD, LdpQ, StpS, StpD, StpQ,
    Ldxr, Stxr, Ldar, Stlr,

    // Scalar floating point: A64Instruction.Size is 4 (single) or 8 (double).
    FmovReg, FmovImm, FmovToGeneral, FmovFromGeneral, FmovToTop, FmovFromTop,
    Fabs, Fneg, Fsqrt, FcvtToSingle, FcvtToDouble, Frint,
    Fadd, Fsub, Fmul, Fdiv, Fnmul, Fmax, Fmin, Fmaxnm, Fminnm, Fabd,
    Fmadd, Fmsub, Fnmadd, Fnmsub,
    Fcmp, Fccmp, Fcsel,
    Scvtf, Ucvtf, FcvtToSigned, FcvtToUnsigned,
    ScvtfScalar, UcvtfScalar, FcvtzsScalar, FcvtzuScalar,

    // The SIMD moves and bit operations clang emits without vectorization.
    DupGeneral, DupElement, InsGeneral, InsElement, Umov, Smov,
    MoviImm, OrrVecImm, BicVecImm,
    VecAnd, VecBic, VecOrr, VecOrn, VecEor, VecBsl, VecBit, VecBif,
    VecFneg, VecFabs, Cnt, Uaddlv,
}
