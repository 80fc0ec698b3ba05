using Serval.Memory;
using Serval.Symbolic;
using Systems.RiscV;

namespace Serval.RiscV;

/// <summary>RISC-V privilege modes.</summary>
public enum Privilege
{
    /// <summary>User mode.</summary>
    User = 0,

    /// <summary>Supervisor mode.</summary>
    Supervisor = 1,

    /// <summary>Machine mode.</summary>
    Machine = 3,
}

/// <summary>
/// One hart's state on one path: a concrete program counter (split-pc: every path has its own), registers and CSRs
/// as symbolic or concrete bitvectors, the privilege mode, memory, and the path's guard.
/// </summary>
public sealed class MachineState : IPathState<MachineState, ulong>
{
    /// <summary>The CSRs the interpreter models; others trap as illegal instructions.</summary>
    public static readonly int[] ModelledCsrs =
    [
        CsrNumber.Mstatus, CsrNumber.Misa, CsrNumber.Medeleg, CsrNumber.Mideleg, CsrNumber.Mie, CsrNumber.Mtvec,
        CsrNumber.Mcounteren, CsrNumber.Mscratch, CsrNumber.Mepc, CsrNumber.Mcause, CsrNumber.Mtval, CsrNumber.Mip,
        CsrNumber.Mhartid, CsrNumber.Mvendorid, CsrNumber.Marchid, CsrNumber.Mimpid, CsrNumber.Mcycle, CsrNumber.Minstret,
        CsrNumber.Stvec, CsrNumber.Scounteren, CsrNumber.Sscratch, CsrNumber.Sepc, CsrNumber.Scause, CsrNumber.Stval,
        CsrNumber.Satp, CsrNumber.Pmpcfg0, CsrNumber.Pmpcfg0 + 2, .. Enumerable.Range(CsrNumber.Pmpaddr0, 16),
    ];

    /// <summary>Creates a state; <paramref name="registers"/> must have 32 entries (x0 is forced to zero).</summary>
    public MachineState(Xlen xlen, ulong pc, BitVec[] registers, Dictionary<int, BitVec> csrs, Privilege mode,
        IMemory memory, Bool guard)
    {
        ArgumentNullException.ThrowIfNull(registers);
        Xlen = xlen;
        Pc = pc;
        Registers = registers;
        Registers[0] = BitVec.Of(0, Width);
        Csrs = csrs;
        Mode = mode;
        Memory = memory;
        Guard = guard;
    }

    /// <summary>The register width.</summary>
    public Xlen Xlen { get; }

    /// <summary>XLEN in bits.</summary>
    public int Width => (int)Xlen;

    /// <summary>The program counter (concrete on every path).</summary>
    public ulong Pc { get; set; }

    /// <summary>x0..x31.</summary>
    public BitVec[] Registers { get; }

    /// <summary>The modelled CSRs by number.</summary>
    public Dictionary<int, BitVec> Csrs { get; }

    /// <summary>The current privilege mode.</summary>
    public Privilege Mode { get; set; }

    /// <summary>Memory.</summary>
    public IMemory Memory { get; }

    /// <summary>The path condition under which this state is reached.</summary>
    public Bool Guard { get; set; }

    /// <summary>How many <c>mret</c>/<c>sret</c> instructions this path has executed.</summary>
    public int Returns { get; set; }

    /// <summary>Where the last <c>mret</c>/<c>sret</c> went (symbolic when it returned to a symbolic address).</summary>
    public BitVec? ResumeAt { get; set; }

    /// <summary>The address reserved by the last <c>lr</c>, if any.</summary>
    public BitVec? Reservation { get; set; }

    /// <summary>Split-cases: the concrete address this path's next memory access takes (set when the access forked).</summary>
    public ulong? PendingAddress { get; set; }

    /// <summary>The prefix of this state's symbolic constants (to tell two states of one query apart).</summary>
    public string Prefix { get; init; } = "";

    /// <summary>Instructions executed on this path.</summary>
    public long Steps { get; set; }

    /// <summary>A register by ABI name or number (<c>a0</c>, <c>x10</c>).</summary>
    public BitVec this[string register] => Registers[RegisterNumber(register)];

    /// <summary>The number of an integer register given by ABI name (<c>a0</c>) or as <c>x10</c>.</summary>
    public static int RegisterNumber(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        for (var i = 0; i < 32; i++)
        {
            if (Disassembler.IntegerRegisterName(i) == name || $"x{i}" == name || (i == 8 && name == "fp"))
            {
                return i;
            }
        }
        throw new ArgumentException($"No register named '{name}'.", nameof(name));
    }

    /// <summary>A state whose registers, CSRs and memory are fresh symbolic constants named after them.</summary>
    public static MachineState Symbolic(Xlen xlen, ulong pc, Privilege mode, IMemory memory, string prefix = "")
    {
        var width = (int)xlen;
        var registers = new BitVec[32];
        for (var i = 0; i < 32; i++)
        {
            registers[i] = BitVec.Var(prefix + Disassembler.IntegerRegisterName(i), width);
        }
        var csrs = ModelledCsrs.ToDictionary(c => c, c => BitVec.Var(prefix + Disassembler.CsrName(c), width));
        return new MachineState(xlen, pc, registers, csrs, mode, memory, Bool.True) { Prefix = prefix };
    }

    /// <summary>A copy that evolves independently (used when a path forks).</summary>
    public MachineState Clone() => With(Memory.Clone(), [.. Registers], new Dictionary<int, BitVec>(Csrs));

    /// <summary>This state with every symbolic initial value (registers, CSRs, memory) replaced by its value in <paramref name="model"/>.</summary>
    public MachineState Concretize(Model model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return With(Memory.Concretize(model), [.. Registers.Select(model.Evaluate)], Csrs.ToDictionary(p => p.Key, p => model.Evaluate(p.Value)));
    }

    /// <summary>This state (sharing its registers and CSRs) over <paramref name="memory"/>; for merging.</summary>
    public MachineState WithMemory(IMemory memory) => With(memory, Registers, Csrs);

    private MachineState With(IMemory memory, BitVec[] registers, Dictionary<int, BitVec> csrs) => new(Xlen, Pc, registers, csrs, Mode, memory, Guard)
    {
        Prefix = Prefix,
        Returns = Returns,
        ResumeAt = ResumeAt,
        Reservation = Reservation,
        PendingAddress = PendingAddress,
        Steps = Steps,
    };
}
