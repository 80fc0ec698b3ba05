using System.Collections.Concurrent;
using Serval.Binary;
using Serval.Memory;
using Serval.Profiling;
using Serval.Symbolic;
using Systems.RiscV;

namespace Serval.RiscV;

/// <summary>An undefined behaviour found on some path: when it happens, what it is, and where.</summary>
/// <param name="Condition">When it happens (including the path's guard).</param>
/// <param name="Message">What is wrong.</param>
/// <param name="Pc">The address of the instruction.</param>
public sealed record Bug(Bool Condition, string Message, ulong Pc);

/// <summary>The outcome of running the interpreter to the end of every path.</summary>
/// <param name="Finals">The final state of each path, each with its guard.</param>
/// <param name="Bugs">The undefined behaviours found on the way.</param>
public sealed record Execution(IReadOnlyList<MachineState> Finals, IReadOnlyList<Bug> Bugs);

/// <summary>The error for code the interpreter cannot model: it names the instruction and its address.</summary>
public sealed class UnsupportedInstructionException(string message) : Exception(message);

/// <summary>One executed instruction, for traces.</summary>
/// <param name="Pc">Its address.</param>
/// <param name="Instruction">What was decoded there.</param>
/// <param name="Before">The state before it (a clone).</param>
/// <param name="After">The state after it.</param>
/// <param name="Stores">The stores it made: address, size in bytes, value.</param>
public sealed record TraceStep(ulong Pc, Instruction Instruction, MachineState Before, MachineState After,
    IReadOnlyList<(BitVec Address, int Size, BitVec Value)> Stores);

/// <summary>
/// The RISC-V interpreter, written once over symbolic values: RV64/RV32 I, M, A, C and Zicsr/Zifencei, M/S/U
/// privilege with traps, <c>ecall</c>, <c>mret</c>, <c>sret</c>, <c>wfi</c>. On concrete state it is an emulator; on
/// symbolic state every branch on a symbolic condition forks the path (split-pc), and each memory access records
/// its in-bounds condition as a bug to refute.
/// </summary>
public sealed class Interpreter
{
    private readonly ElfImage _image;
    // Shared by the checks that run in parallel over one image (decoding is pure, so a lost race only decodes twice).
    private readonly ConcurrentDictionary<ulong, Instruction> _decoded = [];

    /// <summary>An interpreter fetching code from <paramref name="image"/>.</summary>
    /// <exception cref="BadElfException">The image is not for RISC-V.</exception>
    public Interpreter(ElfImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.Machine != ElfImage.MachineRiscV)
        {
            throw new BadElfException($"{image.Path} is for ELF machine {image.Machine}, not RISC-V ({ElfImage.MachineRiscV}).");
        }
        _image = image;
        Xlen = image.Is64Bit ? Xlen.Rv64 : Xlen.Rv32;
    }

    /// <summary>The hart's XLEN (from the image's class).</summary>
    public Xlen Xlen { get; }

    /// <summary>How many instructions one path may execute before the run counts as not terminating.</summary>
    public int MaxSteps { get; init; } = 100_000;

    /// <summary>The symbolic optimizations in force.</summary>
    public SymbolicOptions Options { get; init; } = SymbolicOptions.Default;

    /// <summary>
    /// Instruction words whose immediate field is symbolic, by address (a JIT's code for instructions whose
    /// immediates stand for every value): the image holds their other fields (with the immediate's bits zero), and
    /// the immediate is read from the term. Null for none.
    /// </summary>
    public IReadOnlyDictionary<ulong, BitVec>? SymbolicWords { get; init; }

    /// <summary>Called after every executed instruction (for traces); null for none.</summary>
    public Action<TraceStep>? OnStep { get; init; }

    /// <summary>
    /// Runs every path from <paramref name="start"/> until <paramref name="done"/> holds for it. The start state is
    /// left as it was (the paths run on copies), so a model can later concretize it to replay a counterexample.
    /// </summary>
    /// <exception cref="UnsupportedInstructionException">A path reached code the interpreter does not model.</exception>
    public Execution Run(MachineState start, Func<MachineState, bool> done)
    {
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(done);
        start = start.Clone();
        var finals = new List<MachineState>();
        var bugs = new List<Bug>();
        var forks = new List<MachineState>();
        if (!Options.SplitPc)
        {
            RunMerged(start, done, finals, bugs);
            return new Execution(finals, bugs);
        }
        var work = new Stack<MachineState>();
        work.Push(start);
        while (work.Count > 0)
        {
            var state = work.Pop();
            while (!done(state))
            {
                CountStep(state);
                forks.Clear();
                Step(state, bugs, forks);
                foreach (var fork in forks)
                {
                    work.Push(fork);
                }
                if (state.Guard.IsFalse)
                {
                    break;
                }
            }
            Profiler.OnPath();
            if (!state.Guard.IsFalse && done(state))
            {
                finals.Add(state);
            }
        }
        return new Execution(finals, bugs);
    }

    private void CountStep(MachineState state)
    {
        if (state.Steps++ >= MaxSteps)
        {
            throw new UnsupportedInstructionException($"a path ran past {MaxSteps} instructions (at 0x{state.Pc:x}) without finishing");
        }
    }

    // split-pc off: every live path takes one step, then all of them merge into one state per (privilege, returns)
    // whose registers, CSRs and memory are if-then-else terms over the path conditions; that state is split again
    // only by PC, each piece carrying the merged values under the guard of the paths at that PC.
    private void RunMerged(MachineState start, Func<MachineState, bool> done, List<MachineState> finals, List<Bug> bugs)
    {
        var live = new List<MachineState> { start };
        var forks = new List<MachineState>();
        while (live.Count > 0)
        {
            var next = new List<MachineState>();
            foreach (var state in live)
            {
                if (done(state))
                {
                    Profiler.OnPath();
                    finals.Add(state);
                    continue;
                }
                CountStep(state);
                forks.Clear();
                Step(state, bugs, forks);
                next.AddRange(forks.Prepend(state).Where(s => !s.Guard.IsFalse));
            }
            live = [.. next.GroupBy(s => (s.Mode, s.Returns, s.PendingAddress, s.Reservation is null)).SelectMany(Merge)];
        }
    }

    private static IEnumerable<MachineState> Merge(IEnumerable<MachineState> group)
    {
        var states = group.ToList();
        if (states.Count == 1)
        {
            return states;
        }
        var merged = states[^1].Clone();
        var guard = merged.Guard;
        for (var k = states.Count - 2; k >= 0; k--)
        {
            var s = states[k];
            Profiler.OnMerge();
            for (var r = 1; r < 32; r++)
            {
                merged.Registers[r] = BitVec.Ite(s.Guard, s.Registers[r], merged.Registers[r]);
            }
            foreach (var csr in s.Csrs.Keys)
            {
                merged.Csrs[csr] = BitVec.Ite(s.Guard, s.Csrs[csr], merged.Csrs[csr]);
            }
            merged = merged.WithMemory(s.Memory.Merge(s.Guard, merged.Memory));
            merged.ResumeAt = s.ResumeAt is { } a && merged.ResumeAt is { } b ? BitVec.Ite(s.Guard, a, b) : s.ResumeAt ?? merged.ResumeAt;
            merged.Reservation = s.Reservation is { } x && merged.Reservation is { } y ? BitVec.Ite(s.Guard, x, y) : s.Reservation ?? merged.Reservation;
            merged.Steps = Math.Max(merged.Steps, s.Steps);
            guard |= s.Guard;
        }
        Profiler.OnUnion(states.Select(s => s.Pc).Distinct().Count());
        return states.GroupBy(s => s.Pc).Select(atPc =>
        {
            var piece = merged.Clone();
            piece.Pc = atPc.Key;
            piece.Guard = atPc.Aggregate(Bool.False, (any, s) => any | s.Guard);
            return piece;
        });
    }

    /// <summary>The instruction at <paramref name="pc"/>.</summary>
    /// <exception cref="UnsupportedInstructionException">The address holds no code of the image.</exception>
    public Instruction Fetch(ulong pc)
    {
        if (_decoded.TryGetValue(pc, out var cached))
        {
            return cached;
        }
        Span<byte> bytes = stackalloc byte[4];
        if (!_image.TryRead(pc, bytes[..2]))
        {
            throw new UnsupportedInstructionException($"fetch at 0x{pc:x}, outside the image's code");
        }
        if (Instruction.LengthOf((ushort)(bytes[0] | (bytes[1] << 8))) == 4 && !_image.TryRead(pc, bytes))
        {
            throw new UnsupportedInstructionException($"fetch at 0x{pc:x} runs past the image's code");
        }
        var instruction = InstructionDecoder.Decode(bytes, Xlen);
        _decoded[pc] = instruction;
        return instruction;
    }

    /// <summary>
    /// Executes one instruction on <paramref name="s"/>, adding to <paramref name="forks"/> the states of the other
    /// sides of any split (a branch on a symbolic condition, a return to a symbolic privilege); a state whose guard
    /// became false has no future.
    /// </summary>
    public void Step(MachineState s, List<Bug> bugs, List<MachineState> forks)
    {
        ArgumentNullException.ThrowIfNull(s);
        ArgumentNullException.ThrowIfNull(bugs);
        ArgumentNullException.ThrowIfNull(forks);
        var pc = s.Pc;
        var i = Fetch(pc);
        var before = OnStep is null ? null : s.Clone();
        var next = pc + i.Length;
        var w = s.Width;
        BitVec Rs1() => s.Registers[i.Rs1];
        BitVec Rs2() => s.Registers[i.Rs2];
        var symbolicWord = SymbolicWords is { } words && words.TryGetValue(pc, out var term) && !term.IsConcrete ? term : (BitVec?)null;
        BitVec Imm() => symbolicWord is { } word ? ImmediateOf(i, word, pc).Extract(w - 1, 0) : BitVec.Of((ulong)i.Imm, 64).Extract(w - 1, 0);
        long ConcreteOffset() => symbolicWord is { } word ? ImmediateOf(i, word, pc).SignedValue : i.Imm;
        void Set(BitVec value)
        {
            if (i.Rd != 0)
            {
                s.Registers[i.Rd] = value;
            }
        }
        // A trap this instruction raises; a handler the state does not pin down is reported with the instruction.
        ulong TrapHere(int cause, BitVec tval)
        {
            try
            {
                return Trap(s, cause, tval);
            }
            catch (UnsupportedInstructionException e)
            {
                throw new UnsupportedInstructionException($"'{Disassembler.Format(i, pc)}' at 0x{pc:x} ({_image.Describe(pc)}): {e.Message}");
            }
        }
        BitVec Word(BitVec value) => value.Extract(31, 0).SignExtendTo(w);
        BitVec Shamt(BitVec value, int bits) => value.Extract(bits - 1, 0).ZeroExtendTo(w);
        BitVec Low32(BitVec value) => value.Extract(31, 0);
        var faults = new List<MemoryFault>();
        var stores = OnStep is null ? null : new List<(BitVec, int, BitVec)>();
        var endsHere = false;
        // split-cases: a symbolic address forks a path per position it may take; this path keeps the rest (a bug).
        BitVec Resolve(BitVec address, int size)
        {
            if (s.PendingAddress is { } pending)
            {
                s.PendingAddress = null;
                return BitVec.Of(pending, 64);
            }
            if (!Options.SplitCases || address.IsConcrete || s.Memory.Positions(address, size) is not { } positions)
            {
                return address;
            }
            foreach (var position in positions)
            {
                var fork = s.Clone();
                fork.Guard = s.Guard & (address == position);
                fork.PendingAddress = position;
                if (!fork.Guard.IsFalse)
                {
                    forks.Add(fork);
                }
                s.Guard &= address != position;
            }
            endsHere = true;
            return address;
        }
        void Store(BitVec address, int size, BitVec value, Bool guard)
        {
            s.Memory.Store(address, size, value, guard, faults);
            stores?.Add((address, size, s.Memory.Load(address, size, []).Extract(size * 8 - 1, 0)));
        }

        switch (i.Opcode)
        {
            case Opcode.Lui:
                Set(Imm());
                break;
            case Opcode.Auipc:
                Set(BitVec.Of(pc, w) + Imm());
                break;
            case Opcode.Jal:
                Set(BitVec.Of(next, w));
                next = pc + (ulong)ConcreteOffset();
                break;
            case Opcode.Jalr:
                var sum = Rs1() + Imm();
                var target = Options.KillJalrMask ? sum : sum & BitVec.Of(~1UL, w);
                if (Options.KillJalrMask)
                {
                    faults.Add(new MemoryFault((sum & BitVec.Of(1, w)) != 0UL, $"jalr at 0x{pc:x} to an odd address (the killed mask would matter)"));
                }
                Set(BitVec.Of(pc + i.Length, w));
                if (!target.TryGetValue(out next))
                {
                    // split-cases on the target: the solver lists the values it can take on this path; one path each.
                    var targets = FeasibleValues(target, s.Guard, pc);
                    foreach (var other in targets.Skip(1))
                    {
                        var fork = s.Clone();
                        fork.Guard = s.Guard & (target == other);
                        fork.Pc = other;
                        forks.Add(fork);
                    }
                    s.Guard &= target == targets[0];
                    next = targets[0];
                }
                break;
            case Opcode.Beq or Opcode.Bne or Opcode.Blt or Opcode.Bge or Opcode.Bltu or Opcode.Bgeu:
                var taken = i.Opcode switch
                {
                    Opcode.Beq => Rs1() == Rs2(),
                    Opcode.Bne => Rs1() != Rs2(),
                    Opcode.Blt => Rs1().Slt(Rs2()),
                    Opcode.Bge => Rs1().Sge(Rs2()),
                    Opcode.Bltu => Rs1().Ult(Rs2()),
                    _ => Rs1().Uge(Rs2()),
                };
                next = PathSplit.Branch(s, taken, pc + (ulong)ConcreteOffset(), next, forks);
                break;
            case Opcode.Lb or Opcode.Lh or Opcode.Lw or Opcode.Ld or Opcode.Lbu or Opcode.Lhu or Opcode.Lwu:
                var size = i.Opcode switch { Opcode.Lb or Opcode.Lbu => 1, Opcode.Lh or Opcode.Lhu => 2, Opcode.Lw or Opcode.Lwu => 4, _ => 8 };
                var loaded = s.Memory.Load(Resolve(Address(Rs1() + Imm()), size), size, faults).Extract(size * 8 - 1, 0);
                Set(i.Opcode is Opcode.Lbu or Opcode.Lhu or Opcode.Lwu ? loaded.ZeroExtendTo(w) : loaded.SignExtendTo(w));
                break;
            case Opcode.Sb or Opcode.Sh or Opcode.Sw or Opcode.Sd:
                var storeSize = i.Opcode switch { Opcode.Sb => 1, Opcode.Sh => 2, Opcode.Sw => 4, _ => 8 };
                Store(Resolve(Address(Rs1() + Imm()), storeSize), storeSize, Rs2().ZeroExtendTo(64), Bool.True);
                break;
            case Opcode.Addi: Set(Rs1() + Imm()); break;
            case Opcode.Slti: Set(Flag(Rs1().Slt(Imm()), w)); break;
            case Opcode.Sltiu: Set(Flag(Rs1().Ult(Imm()), w)); break;
            case Opcode.Xori: Set(Rs1() ^ Imm()); break;
            case Opcode.Ori: Set(Rs1() | Imm()); break;
            case Opcode.Andi: Set(Rs1() & Imm()); break;
            case Opcode.Slli: Set(Rs1() << Imm()); break;
            case Opcode.Srli: Set(Rs1() >>> Imm()); break;
            case Opcode.Srai: Set(Rs1().AShr(Imm())); break;
            case Opcode.Add: Set(Rs1() + Rs2()); break;
            case Opcode.Sub: Set(Rs1() - Rs2()); break;
            case Opcode.Sll: Set(Rs1() << Shamt(Rs2(), w == 64 ? 6 : 5)); break;
            case Opcode.Slt: Set(Flag(Rs1().Slt(Rs2()), w)); break;
            case Opcode.Sltu: Set(Flag(Rs1().Ult(Rs2()), w)); break;
            case Opcode.Xor: Set(Rs1() ^ Rs2()); break;
            case Opcode.Srl: Set(Rs1() >>> Shamt(Rs2(), w == 64 ? 6 : 5)); break;
            case Opcode.Sra: Set(Rs1().AShr(Shamt(Rs2(), w == 64 ? 6 : 5))); break;
            case Opcode.Or: Set(Rs1() | Rs2()); break;
            case Opcode.And: Set(Rs1() & Rs2()); break;
            case Opcode.Addiw: Set(Word(Rs1() + Imm())); break;
            case Opcode.Slliw: Set(Word(Low32(Rs1()) << Imm().Extract(31, 0))); break;
            case Opcode.Srliw: Set(Word(Low32(Rs1()) >>> Imm().Extract(31, 0))); break;
            case Opcode.Sraiw: Set(Word(Low32(Rs1()).AShr(Imm().Extract(31, 0)))); break;
            case Opcode.Addw: Set(Word(Rs1() + Rs2())); break;
            case Opcode.Subw: Set(Word(Rs1() - Rs2())); break;
            case Opcode.Sllw: Set(Word(Low32(Rs1()) << Rs2().Extract(4, 0).ZeroExtendTo(32))); break;
            case Opcode.Srlw: Set(Word(Low32(Rs1()) >>> Rs2().Extract(4, 0).ZeroExtendTo(32))); break;
            case Opcode.Sraw: Set(Word(Low32(Rs1()).AShr(Rs2().Extract(4, 0).ZeroExtendTo(32)))); break;
            case Opcode.Mul: Set(Rs1() * Rs2()); break;
            case Opcode.Mulh: Set((Rs1().SignExtend(w) * Rs2().SignExtend(w)).Extract(2 * w - 1, w)); break;
            case Opcode.Mulhsu: Set((Rs1().SignExtend(w) * Rs2().ZeroExtend(w)).Extract(2 * w - 1, w)); break;
            case Opcode.Mulhu: Set((Rs1().ZeroExtend(w) * Rs2().ZeroExtend(w)).Extract(2 * w - 1, w)); break;
            case Opcode.Div: Set(SignedDivide(Rs1(), Rs2())); break;
            case Opcode.Divu: Set(Rs1().UDiv(Rs2())); break;
            case Opcode.Rem: Set(Rs1().SRem(Rs2())); break;
            case Opcode.Remu: Set(Rs1().URem(Rs2())); break;
            case Opcode.Mulw: Set(Word(Low32(Rs1()) * Low32(Rs2()))); break;
            case Opcode.Divw: Set(Word(SignedDivide(Low32(Rs1()), Low32(Rs2())))); break;
            case Opcode.Divuw: Set(Word(Low32(Rs1()).UDiv(Low32(Rs2())))); break;
            case Opcode.Remw: Set(Word(Low32(Rs1()).SRem(Low32(Rs2())))); break;
            case Opcode.Remuw: Set(Word(Low32(Rs1()).URem(Low32(Rs2())))); break;
            case Opcode.SfenceVma when s.Mode == Privilege.User:
                next = TrapHere(2, BitVec.Of(i.Bits, w)); // supervisor instructions are illegal in U mode
                break;
            case Opcode.Fence or Opcode.FenceTso or Opcode.FenceI or Opcode.SfenceVma or Opcode.Wfi:
                break;
            case Opcode.Csrrw or Opcode.Csrrs or Opcode.Csrrc or Opcode.Csrrwi or Opcode.Csrrsi or Opcode.Csrrci:
                // sstatus is a view of mstatus's supervisor fields; every other modelled CSR is its own storage.
                var view = i.Csr == CsrNumber.Sstatus ? BitVec.Of(w == 64 ? SstatusMask64 : SstatusMask32, w) : (BitVec?)null;
                var storage = view is null ? i.Csr : CsrNumber.Mstatus;
                if (!s.Csrs.TryGetValue(storage, out var full) || (int)s.Mode < ((i.Csr >> 8) & 3))
                {
                    next = TrapHere(2, BitVec.Of(i.Bits, w));
                    break;
                }
                var old = view is { } visible ? full & visible : full;
                var operand = i.Opcode is Opcode.Csrrw or Opcode.Csrrs or Opcode.Csrrc ? Rs1() : BitVec.Of((ulong)i.Imm, w);
                var writes = i.Opcode is Opcode.Csrrw or Opcode.Csrrwi || i.Rs1 != 0 || (i.Opcode is not (Opcode.Csrrs or Opcode.Csrrc) && i.Imm != 0);
                if (writes && ((i.Csr >> 10) & 3) == 3)
                {
                    // csr[11:10] = 3 marks a read-only CSR (mhartid, mvendorid, ...): an attempt to write one, even of
                    // zero or of the value it holds, is an illegal instruction.
                    next = TrapHere(2, BitVec.Of(i.Bits, w));
                    break;
                }
                if (writes)
                {
                    var written = i.Opcode switch
                    {
                        Opcode.Csrrw or Opcode.Csrrwi => operand,
                        Opcode.Csrrs or Opcode.Csrrsi => old | operand,
                        _ => old & ~operand,
                    };
                    s.Csrs[storage] = view is { } mask ? (full & ~mask) | (written & mask) : written;
                }
                Set(old);
                break;
            case Opcode.Ecall:
                next = TrapHere(s.Mode switch { Privilege.User => 8, Privilege.Supervisor => 9, _ => 11 }, BitVec.Of(0, w));
                break;
            case Opcode.Ebreak:
                next = TrapHere(3, BitVec.Of(0, w)); // mtval 0 (the spec allows 0 or the PC; QEMU writes 0)
                break;
            case Opcode.Mret or Opcode.Sret when s.Mode < (i.Opcode == Opcode.Mret ? Privilege.Machine : Privilege.Supervisor):
                // mret below M and sret in U are illegal instructions, not a way up to a higher privilege.
                next = TrapHere(2, BitVec.Of(i.Bits, w));
                break;
            case Opcode.Mret or Opcode.Sret:
                next = Return(s, i.Opcode == Opcode.Mret, forks);
                break;
            case Opcode.LrW or Opcode.LrD:
                var lrSize = i.Opcode == Opcode.LrW ? 4 : 8;
                var reserved = Resolve(Address(Rs1()), lrSize);
                var value = s.Memory.Load(reserved, lrSize, faults).Extract(lrSize * 8 - 1, 0).SignExtendTo(w);
                s.Reservation = reserved;
                Set(value);
                break;
            case Opcode.ScW or Opcode.ScD:
                var scAddress = Resolve(Address(Rs1()), i.Opcode == Opcode.ScW ? 4 : 8);
                var success = s.Reservation is { } r ? r == scAddress : Bool.False;
                Store(scAddress, i.Opcode == Opcode.ScW ? 4 : 8, Rs2().ZeroExtendTo(64), success);
                s.Reservation = null;
                Set(BitVec.Ite(success, BitVec.Of(0, w), BitVec.Of(1, w)));
                break;
            default:
                if (AtomicOperation(i.Opcode) is { } amo)
                {
                    var amoSize = amo.Word ? 4 : 8;
                    var amoAddress = Resolve(Address(Rs1()), amoSize);
                    var current = s.Memory.Load(amoAddress, amoSize, faults).Extract(amoSize * 8 - 1, 0);
                    var operand2 = Rs2().Extract(amoSize * 8 - 1, 0);
                    Store(amoAddress, amoSize, amo.Combine(current, operand2).ZeroExtendTo(64), Bool.True);
                    Set(current.SignExtendTo(w));
                    break;
                }
                throw new UnsupportedInstructionException(i.IsLegal
                    ? $"unsupported instruction '{Disassembler.Format(i, pc)}' at 0x{pc:x} ({_image.Describe(pc)})"
                    : $"illegal instruction 0x{i.Bits:x} at 0x{pc:x} ({_image.Describe(pc)})");
        }
        foreach (var fault in faults)
        {
            var condition = s.Guard & fault.Condition;
            if (!condition.IsFalse)
            {
                bugs.Add(new Bug(condition, fault.Message, pc));
            }
        }
        if (endsHere)
        {
            s.Guard = Bool.False; // the forks took every position; what is left is the bug just recorded.
        }
        if (s.Csrs.TryGetValue(CsrNumber.Minstret, out var instret))
        {
            s.Csrs[CsrNumber.Minstret] = instret + 1UL;
            s.Csrs[CsrNumber.Mcycle] = s.Csrs[CsrNumber.Mcycle] + 1UL;
        }
        s.Registers[0] = BitVec.Of(0, w);
        s.Pc = next;
        if (OnStep is not null)
        {
            OnStep(new TraceStep(pc, i, before!, s.Clone(), stores!));
        }
    }

    // sstatus's fields of mstatus: SIE, SPIE, UBE, SPP, VS, FS, XS, SUM, MXR (and UXL on RV64), SD.
    private const ulong SstatusMask64 = 0x8000_0003_000D_E762;
    private const ulong SstatusMask32 = 0x800D_E762;

    /// <summary>The most values a symbolic jump target may take before the interpreter gives up on it.</summary>
    public const int MaxJumpTargets = 16;

    // Every value `value` can take under `guard`, found by asking the solver for one more until there is none.
    private static List<ulong> FeasibleValues(BitVec value, Bool guard, ulong pc)
    {
        var values = new List<ulong>();
        var excluded = guard;
        while (true)
        {
            var answer = Sym.Solve(excluded);
            if (answer.Status == Smt.SolverStatus.Unsat && values.Count > 0)
            {
                return values;
            }
            if (answer.Status != Smt.SolverStatus.Sat || values.Count == MaxJumpTargets)
            {
                throw new UnsupportedInstructionException(answer.Status == Smt.SolverStatus.Sat
                    ? $"jalr at 0x{pc:x} may jump to more than {MaxJumpTargets} addresses ({value})"
                    : $"jalr at 0x{pc:x} jumps to a symbolic address the solver cannot enumerate ({answer.Status}: {answer.Reason})");
            }
            var found = answer.Model!.Evaluate(value).Value;
            values.Add(found);
            excluded &= value != found;
        }
    }

    private static BitVec Address(BitVec address) => address.ZeroExtendTo(64);

    /// <summary>
    /// The immediate of <paramref name="i"/> (decoded from the concrete fields of its word) read from the symbolic
    /// <paramref name="word"/>, 64 bits wide, as the decoder reads it from concrete bits: I, S and U formats sign-extended,
    /// shift amounts zero-extended, branch and jal offsets sign-extended with their zero low bit.
    /// </summary>
    /// <exception cref="UnsupportedInstructionException">A symbolic immediate of another format.</exception>
    public static BitVec ImmediateOf(Instruction i, BitVec word, ulong pc)
    {
        BitVec Field(int high, int low) => word.Extract(high, low);
        return i.Opcode switch
        {
            Opcode.Addi or Opcode.Slti or Opcode.Sltiu or Opcode.Xori or Opcode.Ori or Opcode.Andi or Opcode.Addiw or Opcode.Jalr
                or Opcode.Lb or Opcode.Lh or Opcode.Lw or Opcode.Ld or Opcode.Lbu or Opcode.Lhu or Opcode.Lwu => Field(31, 20).SignExtendTo(64),
            Opcode.Sb or Opcode.Sh or Opcode.Sw or Opcode.Sd => Field(31, 25).Concat(Field(11, 7)).SignExtendTo(64),
            Opcode.Lui or Opcode.Auipc => Field(31, 12).Concat(BitVec.Of(0, 12)).SignExtendTo(64),
            Opcode.Slli or Opcode.Srli or Opcode.Srai => Field(25, 20).ZeroExtendTo(64),
            Opcode.Slliw or Opcode.Srliw or Opcode.Sraiw => Field(24, 20).ZeroExtendTo(64),
            Opcode.Beq or Opcode.Bne or Opcode.Blt or Opcode.Bge or Opcode.Bltu or Opcode.Bgeu =>
                Field(31, 31).Concat(Field(7, 7)).Concat(Field(30, 25)).Concat(Field(11, 8)).Concat(BitVec.Of(0, 1)).SignExtendTo(64),
            Opcode.Jal => Field(31, 31).Concat(Field(19, 12)).Concat(Field(20, 20)).Concat(Field(30, 21)).Concat(BitVec.Of(0, 1)).SignExtendTo(64),
            _ => throw new UnsupportedInstructionException($"'{Disassembler.Format(i, pc)}' at 0x{pc:x} has a symbolic immediate the interpreter does not read"),
        };
    }

    private static BitVec Flag(Bool condition, int width) => BitVec.Ite(condition, BitVec.Of(1, width), BitVec.Of(0, width));

    // RISC-V division by zero gives all ones; SMT's bvsdiv gives 1 for a negative dividend.
    private static BitVec SignedDivide(BitVec a, BitVec b) =>
        BitVec.Ite(b == 0UL, BitVec.Of(ulong.MaxValue, a.Width), a.SDiv(b));

    private static (bool Word, Func<BitVec, BitVec, BitVec> Combine)? AtomicOperation(Opcode op) => op switch
    {
        Opcode.AmoswapW or Opcode.AmoswapD => (op == Opcode.AmoswapW, (_, b) => b),
        Opcode.AmoaddW or Opcode.AmoaddD => (op == Opcode.AmoaddW, (a, b) => a + b),
        Opcode.AmoxorW or Opcode.AmoxorD => (op == Opcode.AmoxorW, (a, b) => a ^ b),
        Opcode.AmoandW or Opcode.AmoandD => (op == Opcode.AmoandW, (a, b) => a & b),
        Opcode.AmoorW or Opcode.AmoorD => (op == Opcode.AmoorW, (a, b) => a | b),
        Opcode.AmominW or Opcode.AmominD => (op == Opcode.AmominW, (a, b) => BitVec.Ite(a.Slt(b), a, b)),
        Opcode.AmomaxW or Opcode.AmomaxD => (op == Opcode.AmomaxW, (a, b) => BitVec.Ite(a.Sgt(b), a, b)),
        Opcode.AmominuW or Opcode.AmominuD => (op == Opcode.AmominuW, (a, b) => BitVec.Ite(a.Ult(b), a, b)),
        Opcode.AmomaxuW or Opcode.AmomaxuD => (op == Opcode.AmomaxuW, (a, b) => BitVec.Ite(a.Ugt(b), a, b)),
        _ => null,
    };

    /// <summary>
    /// Takes exception <paramref name="cause"/> as if the instruction at <paramref name="epc"/> raised it (as an
    /// ecall from the caller does), and moves <paramref name="s"/> to the handler.
    /// </summary>
    public static void TakeTrap(MachineState s, int cause, BitVec epc)
    {
        ArgumentNullException.ThrowIfNull(s);
        s.Pc = Trap(s, cause, BitVec.Of(0, s.Width), epc);
    }

    private static ulong Trap(MachineState s, int cause, BitVec tval) => Trap(s, cause, tval, BitVec.Of(s.Pc, s.Width));

    // Takes an exception: to S mode when delegated from S/U, else to M mode. Returns the handler's address.
    private static ulong Trap(MachineState s, int cause, BitVec tval, BitVec epc)
    {
        var w = s.Width;
        var delegated = s.Mode != Privilege.Machine
            ? ((s.Csrs[CsrNumber.Medeleg] >>> BitVec.Of((ulong)cause, w)) & BitVec.Of(1, w)) != 0UL
            : Bool.False;
        if (delegated.TryGetValue(out var toSupervisor) && toSupervisor)
        {
            s.Csrs[CsrNumber.Sepc] = epc;
            s.Csrs[CsrNumber.Scause] = BitVec.Of((ulong)cause, w);
            s.Csrs[CsrNumber.Stval] = tval;
            var sstatus = s.Csrs[CsrNumber.Mstatus];
            var sie = (sstatus >>> 1) & BitVec.Of(1, w);
            sstatus = (sstatus & BitVec.Of(~((1UL << 8) | (1UL << 5) | (1UL << 1)), w))
                | (sie << 5) | BitVec.Of(s.Mode == Privilege.Supervisor ? 1UL << 8 : 0, w);
            s.Csrs[CsrNumber.Mstatus] = sstatus;
            s.Mode = Privilege.Supervisor;
            return HandlerAddress(s.Csrs[CsrNumber.Stvec], s.Pc, cause);
        }
        if (!delegated.IsConcrete)
        {
            throw new UnsupportedInstructionException($"trap at 0x{s.Pc:x} with a symbolic medeleg; constrain medeleg first");
        }
        s.Csrs[CsrNumber.Mepc] = epc;
        s.Csrs[CsrNumber.Mcause] = BitVec.Of((ulong)cause, w);
        s.Csrs[CsrNumber.Mtval] = tval;
        var mstatus = s.Csrs[CsrNumber.Mstatus];
        var mie = (mstatus >>> 3) & BitVec.Of(1, w);
        mstatus = (mstatus & BitVec.Of(~((3UL << 11) | (1UL << 7) | (1UL << 3)), w))
            | (mie << 7) | BitVec.Of((ulong)s.Mode << 11, w);
        s.Csrs[CsrNumber.Mstatus] = mstatus;
        s.Mode = Privilege.Machine;
        return HandlerAddress(s.Csrs[CsrNumber.Mtvec], s.Pc, cause);
    }

    private static ulong HandlerAddress(BitVec tvec, ulong pc, int cause) => (tvec & BitVec.Of(~3UL, tvec.Width)).TryGetValue(out var handler)
        ? handler
        : throw new UnsupportedInstructionException($"{CauseName(cause)} trap at 0x{pc:x} to a symbolic trap vector ({tvec}); "
            + (cause == 2 ? "the instruction or CSR is not modelled or not allowed at this privilege, or " : "") + "give the trap vector a value in the start state");

    private static string CauseName(int cause) => cause switch
    {
        2 => "illegal-instruction",
        3 => "breakpoint",
        8 or 9 or 11 => "environment-call",
        _ => $"cause-{cause}",
    };

    // mret/sret: the previous privilege comes from MPP/SPP; a symbolic field splits the path over its values
    // (split-cases), each fork re-executing the return with the field concrete.
    private static ulong Return(MachineState s, bool machine, List<MachineState> forks)
    {
        var w = s.Width;
        var shift = machine ? 11 : 8;
        var fieldMask = BitVec.Of((machine ? 3UL : 1UL) << shift, w);
        var previous = KnownBits.Concretize((s.Csrs[CsrNumber.Mstatus] & fieldMask) >>> shift);
        if (!previous.TryGetValue(out var mode))
        {
            foreach (var value in machine ? [0UL, 1UL, 2UL, 3UL] : (ulong[])[0UL, 1UL])
            {
                var fork = s.Clone();
                fork.Guard = s.Guard & (previous == value);
                fork.Csrs[CsrNumber.Mstatus] = (s.Csrs[CsrNumber.Mstatus] & ~fieldMask) | BitVec.Of(value << shift, w);
                if (!fork.Guard.IsFalse)
                {
                    forks.Add(fork);
                }
            }
            s.Guard = Bool.False;
            return s.Pc;
        }
        var mstatus = s.Csrs[CsrNumber.Mstatus];
        var epc = s.Csrs[machine ? CsrNumber.Mepc : CsrNumber.Sepc];
        s.ResumeAt = epc;
        // A symbolic return address ends the path: its PC is unknown until a caller constrains it.
        var target = epc.TryGetValue(out var concrete) ? concrete : ulong.MaxValue;
        if (machine)
        {
            var mpie = (mstatus >>> 7) & BitVec.Of(1, w);
            s.Csrs[CsrNumber.Mstatus] = (mstatus & BitVec.Of(~((3UL << 11) | (1UL << 3)), w)) | (mpie << 3) | BitVec.Of(1UL << 7, w);
        }
        else
        {
            var spie = (mstatus >>> 5) & BitVec.Of(1, w);
            s.Csrs[CsrNumber.Mstatus] = (mstatus & BitVec.Of(~((1UL << 8) | (1UL << 1)), w)) | (spie << 1) | BitVec.Of(1UL << 5, w);
        }
        s.Mode = (Privilege)(mode == 2 ? 0 : mode);
        s.Returns++;
        return target;
    }
}
