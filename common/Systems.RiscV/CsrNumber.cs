namespace Systems.RiscV;

/// <summary>CSR numbers from the RISC-V privileged and unprivileged specifications.</summary>
public static class CsrNumber
{
    /// <summary>Floating-point accrued exceptions.</summary>
    public const int Fflags = 0x001;

    /// <summary>Floating-point dynamic rounding mode.</summary>
    public const int Frm = 0x002;

    /// <summary>Floating-point control and status (frm + fflags).</summary>
    public const int Fcsr = 0x003;

    /// <summary>Cycle counter (user read-only shadow).</summary>
    public const int Cycle = 0xC00;

    /// <summary>Timer (user read-only shadow).</summary>
    public const int Time = 0xC01;

    /// <summary>Instructions-retired counter (user read-only shadow).</summary>
    public const int Instret = 0xC02;

    /// <summary>Upper half of <see cref="Cycle"/> (RV32).</summary>
    public const int Cycleh = 0xC80;

    /// <summary>Upper half of <see cref="Instret"/> (RV32).</summary>
    public const int Instreth = 0xC82;

    /// <summary>Supervisor status (a view of mstatus).</summary>
    public const int Sstatus = 0x100;

    /// <summary>Supervisor interrupt enable.</summary>
    public const int Sie = 0x104;

    /// <summary>Supervisor trap vector.</summary>
    public const int Stvec = 0x105;

    /// <summary>Supervisor counter enable.</summary>
    public const int Scounteren = 0x106;

    /// <summary>Supervisor scratch.</summary>
    public const int Sscratch = 0x140;

    /// <summary>Supervisor exception program counter.</summary>
    public const int Sepc = 0x141;

    /// <summary>Supervisor trap cause.</summary>
    public const int Scause = 0x142;

    /// <summary>Supervisor trap value.</summary>
    public const int Stval = 0x143;

    /// <summary>Supervisor interrupt pending.</summary>
    public const int Sip = 0x144;

    /// <summary>Supervisor address translation and protection.</summary>
    public const int Satp = 0x180;

    /// <summary>Machine status.</summary>
    public const int Mstatus = 0x300;

    /// <summary>Machine ISA.</summary>
    public const int Misa = 0x301;

    /// <summary>Machine exception delegation.</summary>
    public const int Medeleg = 0x302;

    /// <summary>Machine interrupt delegation.</summary>
    public const int Mideleg = 0x303;

    /// <summary>Machine interrupt enable.</summary>
    public const int Mie = 0x304;

    /// <summary>Machine trap vector.</summary>
    public const int Mtvec = 0x305;

    /// <summary>Machine counter enable.</summary>
    public const int Mcounteren = 0x306;

    /// <summary>Upper half of mstatus (RV32).</summary>
    public const int Mstatush = 0x310;

    /// <summary>Machine scratch.</summary>
    public const int Mscratch = 0x340;

    /// <summary>Machine exception program counter.</summary>
    public const int Mepc = 0x341;

    /// <summary>Machine trap cause.</summary>
    public const int Mcause = 0x342;

    /// <summary>Machine trap value.</summary>
    public const int Mtval = 0x343;

    /// <summary>Machine interrupt pending.</summary>
    public const int Mip = 0x344;

    /// <summary>First PMP configuration register (pmpcfg0..pmpcfg15 follow).</summary>
    public const int Pmpcfg0 = 0x3A0;

    /// <summary>First PMP address register (pmpaddr0..pmpaddr63 follow).</summary>
    public const int Pmpaddr0 = 0x3B0;

    /// <summary>Machine cycle counter.</summary>
    public const int Mcycle = 0xB00;

    /// <summary>Machine instructions-retired counter.</summary>
    public const int Minstret = 0xB02;

    /// <summary>Upper half of mcycle (RV32).</summary>
    public const int Mcycleh = 0xB80;

    /// <summary>Upper half of minstret (RV32).</summary>
    public const int Minstreth = 0xB82;

    /// <summary>Vendor ID.</summary>
    public const int Mvendorid = 0xF11;

    /// <summary>Architecture ID.</summary>
    public const int Marchid = 0xF12;

    /// <summary>Implementation ID.</summary>
    public const int Mimpid = 0xF13;

    /// <summary>Hardware thread ID.</summary>
    public const int Mhartid = 0xF14;
}
