using System.Diagnostics;
using System.Globalization;
using System.Text;
using Serval.Binary;
using Serval.Memory;
using Serval.RiscV;
using Serval.Symbolic;
using Serval.Verification;
using Systems.RiscV;

namespace Serval.Bpf;

/// <summary>One opcode form the JIT checker proves (e.g. <c>ALU64 ADD K</c>) and the instructions it covers.</summary>
/// <param name="Name">The form's name.</param>
/// <param name="Instances">
/// Instructions of this form: register choices, each with symbolic immediate and offset fields
/// (<see cref="BpfInstruction.Fields"/>) standing for every value, or, for enumerated forms, concrete values.
/// </param>
public sealed record JitForm(string Name, IReadOnlyList<BpfInstruction> Instances)
{
    /// <summary>What the instances leave symbolic: "imm", "offset", "imm64", joined; "" when all fields are concrete.</summary>
    public string SymbolicFields => Instances.Count == 0 || Instances[0].Fields is not { } f ? ""
        : string.Join(", ", new[] { f.Imm is null ? null : "imm", f.Offset is null ? null : "offset", f.Imm64 is null ? null : "imm64" }.OfType<string>());
}

/// <summary>
/// Jitterbug-style per-instruction checking of <see cref="RiscVJit"/>: for each instruction, the eBPF interpreter
/// runs it from a state with every register and all memory symbolic, the RISC-V interpreter runs the emitted RV64
/// code from the related state (each eBPF register in its RISC-V register, the same memory), and the solver proves
/// that every pair of final states corresponds: the RV64 code goes where the eBPF instruction goes (next, jump
/// target, epilogue), every mapped register holds the eBPF register's value, every other register but the
/// temporaries is unchanged, and memory agrees at every address. Immediates and memory offsets are symbolic too: the
/// JIT runs on the symbolic instruction (<see cref="EmitPaths"/> takes each way its code generation goes, under
/// that way's condition on the fields), its words carry symbolic immediate fields, and the RISC-V interpreter reads
/// them (<see cref="Interpreter.SymbolicWords"/>). Multiplication, division and remainder are uninterpreted in the
/// first query (as in Jitterbug). Still enumerated: jump offsets (<see cref="JumpOffsets"/>) and LD_IMM64 constants
/// (<see cref="Constants64"/>).
/// </summary>
public static class JitChecker
{
    /// <summary>Where the instruction's code is placed.</summary>
    public const ulong CodeAddress = 0x10_0000;

    /// <summary>The bytes of RV64 code given to each eBPF instruction before or after the checked one.</summary>
    public const int Stride = 16;

    /// <summary>Where the epilogue is, relative to the checked instruction's code.</summary>
    public const long EpilogueOffset = 0x4_0000;

    /// <summary>Immediates of the enumerated forms: zero, ±1, shift amounts, the 12-bit and 32-bit sign boundaries, and patterns.</summary>
    public static readonly IReadOnlyList<int> Immediates =
        [0, 1, -1, 2, 31, 32, 63, 64, 0x7FF, -0x800, 0x800, -0x801, 0xFFF, 0x7FFF_FFFF, int.MinValue, 0x1234_5678, unchecked((int)0x8765_4321)];

    /// <summary>Memory offsets of the enumerated forms: zero, small, and the 12-bit boundaries.</summary>
    public static readonly IReadOnlyList<short> MemoryOffsets = [0, 8, -8, 1, 0x7FF, -0x800, 0x800, -0x801, short.MaxValue, short.MinValue];

    /// <summary>Jump offsets (in instructions), enumerated in every mode: to the next one, back to itself, near and as far as a 16-bit offset goes.</summary>
    public static readonly IReadOnlyList<short> JumpOffsets = [0, 1, -1, 2, 100, -100, short.MaxValue, short.MinValue];

    /// <summary>LD_IMM64 constants of the enumerated form: 32-bit boundaries and values needing every step of 64-bit materialization.</summary>
    public static readonly IReadOnlyList<ulong> Constants64 =
    [
        0, 1, ulong.MaxValue, 0x7FF, 0x800, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0x1_0000_0000, 0x8000_0000_0000_0000,
        0x7FFF_FFFF_FFFF_F800, 0xFFFF_FFFF_FFFF_F800, 0x1234_5678_9ABC_DEF0, 0xFEDC_BA98_7654_3210, 0x0000_0800_0000_0800,
    ];

    // Every value of a form is checked with the first pairs; the rotating pairs, which give every other eBPF register
    // a turn as destination and as source, take one value each. Symbolic forms have one "value": the symbolic fields.
    private static readonly (int Dst, int Src)[] RegisterPairs = [(1, 2), (0, 0), (9, 10), (10, 6)];
    private static readonly (int Dst, int Src)[] RotatingPairs = [(3, 4), (4, 5), (5, 7), (7, 8), (8, 3), (6, 9), (2, 1)];

    // The (destination, source, value index) of every instance of a form with `values` immediates or offsets.
    private static IEnumerable<(int Dst, int Src, int Value)> Choices(int values) =>
        RegisterPairs.SelectMany(p => Enumerable.Range(0, values).Select(v => (p.Dst, p.Src, v)))
            .Concat(RotatingPairs.Select((p, r) => (p.Dst, p.Src, r % values)));

    /// <summary>
    /// Every opcode form of the eBPF ISA the JIT compiles (all but calls), with its instances: eleven register pairs
    /// (so that every register is a destination and a source somewhere), each with symbolic immediate and memory
    /// offset fields. <paramref name="enumerate"/> gives the checker before symbolic fields instead: concrete
    /// <see cref="Immediates"/> (or <paramref name="immediates"/>), <see cref="MemoryOffsets"/> and
    /// <see cref="Constants64"/>, four pairs with every value and seven with one each. Enumerated either way:
    /// LD_IMM64's constant unless <paramref name="symbolicImm64"/> (beyond z3 today), and jump offsets
    /// (<see cref="JumpOffsets"/>).
    /// </summary>
    public static IReadOnlyList<JitForm> Forms(bool enumerate = false, IReadOnlyList<int>? immediates = null, bool symbolicImm64 = false)
    {
        var immediateValues = immediates ?? Immediates;
        var forms = new List<JitForm>();
        void Add(byte opcode, short offset = 0, int? fixedImm = null)
        {
            var isJump = (BpfClass)(opcode & 7) is BpfClass.Jmp or BpfClass.Jmp32;
            var usesImmediate = (opcode & BpfOpcodes.X) == 0 && fixedImm is null;
            var symbolic = usesImmediate && !enumerate;
            var instances = new List<BpfInstruction>();
            var k = 0;
            var values = usesImmediate && !symbolic ? immediateValues : [fixedImm ?? 0];
            foreach (var (dst, src, v) in Choices(values.Count))
            {
                var jumpOffset = isJump ? JumpOffsets[k++ % JumpOffsets.Count] : offset;
                var registerSource = (opcode & BpfOpcodes.X) != 0 && (opcode & 0xF0) != BpfOpcodes.End;
                var instruction = BpfDecoder.DecodeSlot(0, BpfOpcodes.Encode(opcode, dst, registerSource ? src : 0, jumpOffset, values[v]), null);
                if (instruction.IsLegal)
                {
                    instances.Add(symbolic ? instruction with { Fields = BpfFields.For(imm: true, offset: false, imm64: false) } : instruction);
                }
            }
            forms.Add(new JitForm(BpfDisassembler.FormName(opcode, offset, fixedImm ?? 0), instances));
        }
        foreach (var @class in new[] { BpfClass.Alu, BpfClass.Alu64 })
        {
            foreach (var op in new[] { BpfOpcodes.Add, BpfOpcodes.Sub, BpfOpcodes.Mul, BpfOpcodes.Div, BpfOpcodes.Or, BpfOpcodes.And, BpfOpcodes.Lsh,
                BpfOpcodes.Rsh, BpfOpcodes.Mod, BpfOpcodes.Xor, BpfOpcodes.Mov, BpfOpcodes.Arsh })
            {
                foreach (var source in new[] { BpfOpcodes.K, BpfOpcodes.X })
                {
                    Add(BpfOpcodes.Of(@class, op, source));
                    if (op is BpfOpcodes.Div or BpfOpcodes.Mod)
                    {
                        Add(BpfOpcodes.Of(@class, op, source), offset: 1);
                    }
                }
            }
            Add(BpfOpcodes.Of(@class, BpfOpcodes.Neg, BpfOpcodes.K), fixedImm: 0);
            foreach (var width in @class == BpfClass.Alu64 ? [8, 16, 32] : (short[])[8, 16])
            {
                Add(BpfOpcodes.Of(@class, BpfOpcodes.Mov, BpfOpcodes.X), offset: width);
            }
            foreach (var bits in new[] { 16, 32, 64 })
            {
                Add(BpfOpcodes.Of(@class, BpfOpcodes.End, BpfOpcodes.K), fixedImm: bits);
                if (@class == BpfClass.Alu)
                {
                    Add(BpfOpcodes.Of(@class, BpfOpcodes.End, BpfOpcodes.X), fixedImm: bits);
                }
            }
        }
        foreach (var @class in new[] { BpfClass.Jmp, BpfClass.Jmp32 })
        {
            foreach (var op in new[] { BpfOpcodes.Jeq, BpfOpcodes.Jgt, BpfOpcodes.Jge, BpfOpcodes.Jset, BpfOpcodes.Jne, BpfOpcodes.Jsgt,
                BpfOpcodes.Jsge, BpfOpcodes.Jlt, BpfOpcodes.Jle, BpfOpcodes.Jslt, BpfOpcodes.Jsle })
            {
                Add(BpfOpcodes.Of(@class, op, BpfOpcodes.K));
                Add(BpfOpcodes.Of(@class, op, BpfOpcodes.X));
            }
        }
        forms.Add(new JitForm("JMP JA", [.. JumpOffsets.Select(o => BpfDecoder.DecodeSlot(0, BpfOpcodes.Encode(0x05, 0, 0, o, 0), null))]));
        forms.Add(new JitForm("JMP32 JA", [.. JumpOffsets.Select(o => BpfDecoder.DecodeSlot(0, BpfOpcodes.Encode(0x06, 0, 0, 0, o), null))]));
        forms.Add(new JitForm("JMP EXIT", [BpfDecoder.DecodeSlot(0, BpfOpcodes.Encode(0x95, 0, 0, 0, 0), null)]));
        IEnumerable<BpfInstruction> LoadImmediates(IReadOnlyList<ulong> constants) => constants.Select((c, k) => BpfDecoder.DecodeSlot(0,
            BpfOpcodes.Encode(BpfOpcodes.LdImm64, k % 10, 0, 0, (int)(uint)c), BpfOpcodes.Encode(0, 0, 0, 0, (int)(uint)(c >> 32))));
        // LD_IMM64 stays enumerated unless asked for (symbolicImm64): its code generation recurses on a shifted
        // value whose shift is a symbolic trailing-zero count, and z3 answers none of its queries in minutes (as for
        // Jitterbug, whose RV64 LD_IMM64 took 5,943 s).
        forms.Add(new JitForm("LD IMM64", enumerate || !symbolicImm64 ? [.. LoadImmediates(Constants64)]
            : [.. LoadImmediates(new ulong[10]).Select(i => i with { Fields = BpfFields.For(imm: false, offset: false, imm64: true) })]));
        foreach (var size in new[] { 1, 2, 4, 8 })
        {
            AddMemory(forms, enumerate, BpfOpcodes.LoadStore(BpfClass.Ldx, BpfOpcodes.ModeMem, size), 0, immediateValues);
            if (size < 8)
            {
                AddMemory(forms, enumerate, BpfOpcodes.LoadStore(BpfClass.Ldx, BpfOpcodes.ModeMemSx, size), 0, immediateValues);
            }
            AddMemory(forms, enumerate, BpfOpcodes.LoadStore(BpfClass.St, BpfOpcodes.ModeMem, size), 0, immediateValues);
            AddMemory(forms, enumerate, BpfOpcodes.LoadStore(BpfClass.Stx, BpfOpcodes.ModeMem, size), 0, immediateValues);
        }
        foreach (var size in new[] { 4, 8 })
        {
            foreach (var operation in new[] { BpfOpcodes.Add, BpfOpcodes.Or, BpfOpcodes.And, BpfOpcodes.Xor })
            {
                AddMemory(forms, enumerate, BpfOpcodes.LoadStore(BpfClass.Stx, BpfOpcodes.ModeAtomic, size), operation, immediateValues);
                AddMemory(forms, enumerate, BpfOpcodes.LoadStore(BpfClass.Stx, BpfOpcodes.ModeAtomic, size), operation | BpfOpcodes.AtomicFetch, immediateValues);
            }
            AddMemory(forms, enumerate, BpfOpcodes.LoadStore(BpfClass.Stx, BpfOpcodes.ModeAtomic, size), BpfOpcodes.AtomicXchg, immediateValues);
            AddMemory(forms, enumerate, BpfOpcodes.LoadStore(BpfClass.Stx, BpfOpcodes.ModeAtomic, size), BpfOpcodes.AtomicCmpXchg, immediateValues);
        }
        return forms;
    }

    // A load, store or atomic form: every register pair with a symbolic offset (ST: and immediate), or enumerated:
    // at every memory offset, ST's immediate cycling with them.
    private static void AddMemory(List<JitForm> forms, bool enumerate, byte opcode, int atomicOperation, IReadOnlyList<int> immediates)
    {
        var isStore = (BpfClass)(opcode & 7) == BpfClass.St;
        var instances = new List<BpfInstruction>();
        var k = 0;
        var offsets = enumerate ? MemoryOffsets : [0];
        foreach (var (dst, src, v) in Choices(offsets.Count))
        {
            var imm = isStore ? (enumerate ? immediates[k++ % immediates.Count] : 0) : atomicOperation;
            var instruction = BpfDecoder.DecodeSlot(0, BpfOpcodes.Encode(opcode, dst, isStore ? 0 : src, offsets[v], imm), null);
            if (instruction.IsLegal)
            {
                instances.Add(enumerate ? instruction : instruction with { Fields = BpfFields.For(imm: isStore, offset: true, imm64: false) });
            }
        }
        forms.Add(new JitForm(BpfDisassembler.FormName(opcode, 0, atomicOperation), instances));
    }

    /// <summary>
    /// Proves (or refutes) every form, <see cref="VerifierOptions.Jobs"/> at once; <paramref name="progress"/> hears
    /// of each result as it comes (from the worker threads).
    /// </summary>
    public static IReadOnlyList<CheckResult> CheckAll(RiscVJit jit, IReadOnlyList<JitForm> forms, VerifierOptions options, CancellationToken cancellationToken,
        Action<CheckResult>? progress = null) =>
        Verifier.RunParallel(forms, options, (form, solver) =>
        {
            var result = Check(jit, form, solver, cancellationToken);
            progress?.Invoke(result);
            return result;
        }, cancellationToken);

    /// <summary>Proves that the JIT's code for every instance of <paramref name="form"/> does what the instruction does, for every value of its symbolic fields.</summary>
    public static CheckResult Check(RiscVJit jit, JitForm form, VerifyOptions? solver = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jit);
        ArgumentNullException.ThrowIfNull(form);
        var clock = Stopwatch.StartNew();
        // The JIT decides on the same conditions over the fields for every register choice: ask the solver once each.
        var feasibility = new Dictionary<Bool, bool>();
        bool Feasible(Bool condition)
        {
            if (condition.TryGetValue(out var value))
            {
                return value;
            }
            if (!feasibility.TryGetValue(condition, out var feasible))
            {
                feasible = Sym.Solve(condition, solver, cancellationToken).Status != Smt.SolverStatus.Unsat;
                feasibility[condition] = feasible;
            }
            return feasible;
        }
        foreach (var instruction in form.Instances)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Instance instance;
            try
            {
                instance = new Instance(jit, instruction, Feasible);
            }
            catch (Exception e) when (e is NotSupportedException or ArgumentOutOfRangeException or UnsupportedInstructionException or InvalidOperationException)
            {
                return new CheckResult(form.Name, VerifyOutcome.Unknown, $"'{instruction}': cannot check: {e.Message}", clock.Elapsed.TotalSeconds, false);
            }
            var goals = instance.Goals(instance.BpfStart, instance.RiscVStart);
            // First with multiplication, division and remainder uninterpreted (as Jitterbug does): the same operation
            // on equal operands gives equal results, which is all a correct JIT needs, and spares the solver two
            // multipliers over differently built operands. Proved so, it holds for the real operations; a
            // counterexample that a concrete run does not confirm is asked again with the real operations.
            var abstraction = new ArithmeticAbstraction();
            var abstracted = goals.Select(g => g with { Holds = abstraction.Apply(g.Holds) }).ToList();
            var result = Sym.Verify(abstracted.Aggregate(Bool.True, (all, g) => all & g.Holds), solver, cancellationToken);
            var explained = result.Outcome == VerifyOutcome.Counterexample ? instance.Explain(abstracted, result.Model!) : default;
            if (abstraction.Count > 0 && result.Outcome == VerifyOutcome.Counterexample && !explained.Confirmed && instruction.Fields is not null)
            {
                // The immediate and offset of the unconfirmed counterexample, with the real operations (a query as
                // easy as the enumerated checker's), usually give a real one.
                var single = new Instance(jit, instruction.Concretize(result.Model!), Feasible);
                var singleGoals = single.Goals(single.BpfStart, single.RiscVStart);
                var again = Sym.Verify(singleGoals.Aggregate(Bool.True, (all, g) => all & g.Holds), solver, cancellationToken);
                if (again.Outcome == VerifyOutcome.Counterexample)
                {
                    (result, explained) = (again, single.Explain(singleGoals, again.Model!));
                }
            }
            if (abstraction.Count > 0 && result.Outcome != VerifyOutcome.Proved && !explained.Confirmed)
            {
                result = Sym.Verify(goals.Aggregate(Bool.True, (all, g) => all & g.Holds), solver, cancellationToken);
                explained = result.Outcome == VerifyOutcome.Counterexample ? instance.Explain(goals, result.Model!) : default;
            }
            if (result.Outcome == VerifyOutcome.Unknown)
            {
                return new CheckResult(form.Name, VerifyOutcome.Unknown, $"'{instruction}': solver gave no answer ({result.Reason})", clock.Elapsed.TotalSeconds, false);
            }
            if (result.Outcome == VerifyOutcome.Counterexample)
            {
                return new CheckResult(form.Name, VerifyOutcome.Counterexample, explained.Report, clock.Elapsed.TotalSeconds, false, explained.Confirmed);
            }
        }
        return new CheckResult(form.Name, VerifyOutcome.Proved, "", clock.Elapsed.TotalSeconds, false);
    }

    // Replaces every multiplication, division and remainder in a formula by an uninterpreted function of the same
    // operands, one function per operation and width (shared by all the formulas it rewrites), except where the
    // divisor is zero: there the SMT-LIB value stays (RISC-V's remainder by zero relies on it). Multiplication is
    // commutative: the formula is assumed to hold with both orders of operands giving one product.
    private sealed class ArithmeticAbstraction
    {
        private readonly Dictionary<(Op Op, int Width), Function> _functions = [];
        private readonly Dictionary<Term, Term> _replacements = [];
        private Bool _commutes = Bool.True;

        public int Count => _replacements.Count;

        public Bool Apply(Bool formula)
        {
            if (formula.IsConcrete)
            {
                return formula;
            }
            var found = new Dictionary<Term, Term>();
            Collect(formula.ToTerm(), found, []);
            return found.Count == 0 ? formula : _commutes.Implies(Bool.FromTerm(TermRewriter.Substitute(formula.ToTerm(), found)));
        }

        private void Collect(Term term, Dictionary<Term, Term> found, HashSet<Term> seen)
        {
            if (!seen.Add(term))
            {
                return;
            }
            foreach (var arg in term.Args)
            {
                Collect(arg, found, seen);
            }
            if (term.Op is Op.BvMul or Op.BvUDiv or Op.BvSDiv or Op.BvURem or Op.BvSRem && term.Arity == 2 && term.Width <= 64)
            {
                if (!_replacements.TryGetValue(term, out var application))
                {
                    var sort = Sort.BitVec(term.Width);
                    if (!_functions.TryGetValue((term.Op, term.Width), out var function))
                    {
                        function = new Function($"{term.Op.ToString().ToLowerInvariant()}{term.Width}", [sort, sort], sort);
                        _functions[(term.Op, term.Width)] = function;
                    }
                    var (x, y) = (BitVec.FromTerm(term[0]), BitVec.FromTerm(term[1]));
                    var applied = BitVec.FromTerm(function.Apply(term[0], term[1]));
                    var zero = BitVec.Of(0, term.Width);
                    var ones = BitVec.Of(ulong.MaxValue >> (64 - Math.Min(64, term.Width)), term.Width);
                    application = (term.Op switch
                    {
                        Op.BvMul => applied,
                        Op.BvUDiv => BitVec.Ite(y == zero, ones, applied),
                        Op.BvSDiv => BitVec.Ite(y == zero, BitVec.Ite(x.Slt(zero), BitVec.Of(1, term.Width), ones), applied),
                        _ => BitVec.Ite(y == zero, x, applied), // remainders
                    }).ToTerm();
                    if (term.Op == Op.BvMul)
                    {
                        _commutes &= applied == BitVec.FromTerm(function.Apply(term[1], term[0]));
                    }
                    _replacements[term] = application;
                }
                found[term] = application;
            }
        }
    }

    /// <summary>A goal of one instance, with how to show the values behind it in a model.</summary>
    private sealed record JitGoal(string Description, Bool Holds, Func<Model, IEnumerable<string>> Show);

    /// <summary>One way the JIT's code generation went: when, the code laid out, and how it is fetched.</summary>
    private sealed record CodePath(Bool Condition, RiscVAssembler Code, ElfImage Image, Dictionary<ulong, BitVec> SymbolicWords)
    {
        public long Size => Code.Position;

        public ulong End => CodeAddress + (ulong)Size;
    }

    // One instruction (with symbolic fields or concrete ones), its RV64 code on every path of code generation, and the
    // two related symbolic start states.
    private sealed class Instance
    {
        private readonly RiscVJit _jit;
        private readonly BpfInstruction _instruction;
        private readonly List<CodePath> _paths = [];
        private readonly BitVec _probe = BitVec.Var("probe_address", 64);

        public Instance(RiscVJit jit, BpfInstruction instruction, Func<Bool, bool> feasible)
        {
            _jit = jit;
            _instruction = instruction;
            // First the paths with every other instruction at offset 0, for their sizes; then each again, laid out.
            foreach (var measured in EmitPaths.Explore(code => jit.Emit(code, instruction, _ => 0, 0), feasible))
            {
                var size = measured.Code.Position;
                var path = EmitPaths.Replay(measured, code => jit.Emit(code, instruction, k => AddressOf(k, size), EpilogueOffset));
                if (!path.Condition.Equals(measured.Condition))
                {
                    // The paths explored cover every value only if the laid-out run decided on the same conditions.
                    throw new InvalidOperationException($"code generation decided on other conditions once laid out ({measured.Condition} vs {path.Condition})");
                }
                var words = path.Code.SymbolicWords;
                var symbolic = Enumerable.Range(0, words.Count).Where(k => !words[k].IsConcrete).ToDictionary(k => CodeAddress + (ulong)(k * 4), k => words[k]);
                _paths.Add(new CodePath(path.Condition, path.Code, ElfImage.FromCode(CodeAddress, path.Code.Words, $"<RV64 code of '{instruction}'>"), symbolic));
            }
            var memory = new FlatMemory(Function.BitVecMap("memory", 64, 8), (_, _) => null);
            var registers = Enumerable.Range(0, BpfState.RegisterCount).Select(r => BitVec.Var($"r{r}", 64)).ToArray();
            BpfStart = new BpfState(registers, memory, instruction.Index);
            RiscVStart = MachineState.Symbolic(Xlen.Rv64, CodeAddress, Privilege.Machine, memory.Clone(), "rv_");
            for (var r = 0; r < BpfState.RegisterCount; r++)
            {
                RiscVStart.Registers[RiscVJit.RegisterMap[r]] = registers[r];
            }
        }

        public BpfState BpfStart { get; }

        public MachineState RiscVStart { get; }

        // Where the code of eBPF instruction k starts, relative to this one's (whose code is `size` bytes): before it
        // at a fixed stride, after it from its end on (so the next instruction starts where this code ends).
        private long AddressOf(int k, long size) => k <= _instruction.Index ? (k - _instruction.Index) * (long)Stride
            : size + ((k - _instruction.Index - _instruction.Slots) * (long)Stride);

        public List<JitGoal> Goals(BpfState bpfStart, MachineState riscVStart)
        {
            var bugs = new List<Bug>();
            var bpfForks = new List<BpfState>();
            var bpf = bpfStart.Clone();
            new BpfInterpreter([_instruction]).Step(bpf, bugs, bpfForks);
            var bpfFinals = bpfForks.Prepend(bpf).Where(s => !s.Guard.IsFalse).ToList();
            var goals = new List<JitGoal>();
            foreach (var bug in bugs)
            {
                goals.Add(new JitGoal($"undefined behaviour: {bug.Message}", !bug.Condition, m => Inputs(m, bpfStart)));
            }
            foreach (var path in _paths)
            {
                foreach (var (holds, what) in path.Code.Obligations)
                {
                    goals.Add(new JitGoal($"the JIT emits code it cannot encode ({what})", path.Condition.Implies(holds), m => Inputs(m, bpfStart)));
                }
                var start = riscVStart.Clone();
                start.Guard &= path.Condition;
                if (start.Guard.IsFalse)
                {
                    continue;
                }
                // No code at all (an instruction compiled to nothing) leaves the start state as the one final state.
                var end = path.End;
                var execution = path.Size == 0 ? new Execution([start], [])
                    : new Interpreter(path.Image) { MaxSteps = 1000, SymbolicWords = path.SymbolicWords }
                        .Run(start, s => s.Steps > 0 && (s.Pc == CodeAddress || s.Pc < CodeAddress || s.Pc >= end));
                foreach (var bug in execution.Bugs)
                {
                    goals.Add(new JitGoal($"undefined behaviour: {bug.Message}", !bug.Condition, m => Inputs(m, bpfStart)));
                }
                foreach (var b in bpfFinals)
                {
                    var expectedPc = CodeAddress + (ulong)(b.Exited ? EpilogueOffset : AddressOf(b.Pc, path.Size));
                    foreach (var v in execution.Finals)
                    {
                        AddStateGoals(goals, bpfStart, riscVStart, b, v, expectedPc);
                    }
                }
            }
            return goals;
        }

        // The RV64 path `v` ends where and as the eBPF path `b` does, when both are taken.
        private void AddStateGoals(List<JitGoal> goals, BpfState bpfStart, MachineState riscVStart, BpfState b, MachineState v, ulong expectedPc)
        {
            var both = b.Guard & v.Guard;
            if (v.Pc != expectedPc)
            {
                goals.Add(new JitGoal($"control flow: eBPF goes to {Where(b)}, the RV64 code to 0x{v.Pc:x} (expected 0x{expectedPc:x})", !both, m => Inputs(m, bpfStart)));
                return;
            }
            for (var r = 0; r < BpfState.RegisterCount; r++)
            {
                var (bpfValue, rvValue, reg) = (b.Registers[r], v.Registers[RiscVJit.RegisterMap[r]], r);
                goals.Add(new JitGoal($"r{r} ({Disassembler.IntegerRegisterName(RiscVJit.RegisterMap[r])}) differs after {Where(b)}", both.Implies(bpfValue == rvValue),
                    m => Inputs(m, bpfStart).Append($"eBPF r{reg} = {Hex(m, bpfValue)}, RV64 {Disassembler.IntegerRegisterName(RiscVJit.RegisterMap[reg])} = {Hex(m, rvValue)}")));
            }
            for (var x = 1; x < 32; x++)
            {
                if (!RiscVJit.RegisterMap.Contains(x) && !RiscVJit.Temporaries.Contains(x))
                {
                    var (before, after, reg) = (riscVStart.Registers[x], v.Registers[x], x);
                    goals.Add(new JitGoal($"{Disassembler.IntegerRegisterName(x)} (not an eBPF register or temporary) changed", both.Implies(before == after),
                        m => [$"{Disassembler.IntegerRegisterName(reg)}: {Hex(m, before)} -> {Hex(m, after)}"]));
                }
            }
            if (SameStores(b.Memory, v.Memory) is { } same)
            {
                goals.Add(new JitGoal($"memory differs after {Where(b)}: the RV64 code stores elsewhere, other bytes or under another condition", both.Implies(same),
                    m => Inputs(m, bpfStart).Concat(StoresOf(m, "eBPF", b.Memory)).Concat(StoresOf(m, "RV64", v.Memory))));
                return;
            }
            var (bpfByte, rvByte) = (b.Memory.Load(_probe, 1, []), v.Memory.Load(_probe, 1, []));
            goals.Add(new JitGoal($"memory differs after {Where(b)}", both.Implies(bpfByte == rvByte),
                m => Inputs(m, bpfStart).Append($"at {Hex(m, _probe)}: eBPF {Hex(m, bpfByte)}, RV64 {Hex(m, rvByte)}")));
        }

        // That two memories from the same start made the same stores (sufficient for equal memories, and far easier
        // for the solver than comparing them at a symbolic address): the same addresses, sizes, bytes and guards in
        // order; where one side made no store, the other's were all guarded off. Null when the store lists cannot
        // be compared so (different shapes, a merged memory): compare the memories themselves.
        private static Bool? SameStores(IMemory bpf, IMemory riscV)
        {
            if (bpf is not FlatMemory { Stores: { } left } || riscV is not FlatMemory { Stores: { } right })
            {
                return null;
            }
            if (left.Count == 0 || right.Count == 0)
            {
                return left.Concat(right).Aggregate(Bool.True, (all, s) => all & !s.Guard);
            }
            if (left.Count != right.Count || left.Zip(right).Any(p => p.First.Size != p.Second.Size))
            {
                return null;
            }
            return left.Zip(right).Aggregate(Bool.True, (all, p) => all & (p.First.Guard == p.Second.Guard)
                & p.First.Guard.Implies((p.First.Address == p.Second.Address)
                    & (p.First.Value.Extract((p.First.Size * 8) - 1, 0) == p.Second.Value.Extract((p.First.Size * 8) - 1, 0))));
        }

        private static IEnumerable<string> StoresOf(Model model, string side, IMemory memory) =>
            ((FlatMemory)memory).Stores!.Select(s => $"{side} stores {s.Size} bytes at {Hex(model, s.Address)}: "
                + $"{Hex(model, s.Value.Extract((s.Size * 8) - 1, 0))}{(s.Guard.IsTrue ? "" : model.Evaluate(s.Guard).IsTrue ? " (guard holds)" : " (guard fails)")}");

        // The report of a counterexample: the instruction with the model's immediate and offset, the failing goals,
        // the code the JIT emits for those values (compiled concretely), and whether running both from the model's
        // concrete values fails again.
        public (string Report, bool Confirmed) Explain(List<JitGoal> goals, Model model)
        {
            var concrete = _instruction.Concretize(model);
            var text = new StringBuilder();
            text.AppendLine(CultureInfo.InvariantCulture, $"'{concrete}' ({BpfDisassembler.FormName(concrete.Opcode, concrete.Offset, concrete.Imm)}, "
                + $"dst r{concrete.Dst} = {Disassembler.IntegerRegisterName(RiscVJit.RegisterMap[concrete.Dst])}, src r{concrete.Src} = {Disassembler.IntegerRegisterName(RiscVJit.RegisterMap[concrete.Src])}, "
                + $"{(concrete.Opcode == BpfOpcodes.LdImm64 ? $"imm64 0x{concrete.Imm64:x}" : $"imm {concrete.Imm} (0x{concrete.Imm:x})")}, offset {concrete.Offset}"
                + $"{(_instruction.Fields is null ? "" : $"; {FieldsOf(_instruction)} symbolic, these values from the counterexample")}):");
            foreach (var goal in goals.Where(g => model.Evaluate(g.Holds).IsFalse).Take(4))
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  {goal.Description}");
                foreach (var line in goal.Show(model).Distinct())
                {
                    text.AppendLine(CultureInfo.InvariantCulture, $"    {line}");
                }
            }
            // Confirmed when the same instruction with those values, compiled and run from the model's concrete
            // states, fails again (or the JIT cannot compile it).
            bool confirmed;
            try
            {
                var replay = new Instance(_jit, concrete, _ => throw new InvalidOperationException("a concrete instruction has no symbolic decisions"));
                var code = replay._paths.Single().Code.Words;
                text.AppendLine("  RV64 code:");
                for (var k = 0; k < code.Count; k++)
                {
                    var pc = CodeAddress + (ulong)(k * 4);
                    text.AppendLine(CultureInfo.InvariantCulture, $"    0x{pc:x}  {code[k]:x8}  {Disassembler.Format(InstructionDecoder.Decode(code[k]), pc)}");
                }
                confirmed = replay.Goals(replay.BpfStart.Concretize(model), replay.RiscVStart.Concretize(model)).Any(g => model.Evaluate(g.Holds).IsFalse);
                text.AppendLine(confirmed ? "  confirmed: running both from these concrete values disagrees" : "  NOT confirmed by a concrete run");
            }
            catch (ArgumentOutOfRangeException e)
            {
                confirmed = true;
                text.AppendLine(CultureInfo.InvariantCulture, $"  confirmed: the JIT cannot compile it ({e.Message.Split(" (Parameter")[0]})");
            }
            catch (UnsupportedInstructionException)
            {
                confirmed = false;
                text.AppendLine("  NOT confirmed by a concrete run");
            }
            return (text.ToString(), confirmed);
        }

        private static string FieldsOf(BpfInstruction i) => new JitForm("", [i]).SymbolicFields;

        private string Where(BpfState b) => b.Exited ? "exit" : b.Pc == _instruction.Index + _instruction.Slots ? "the next instruction" : $"instruction {b.Pc}";

        private IEnumerable<string> Inputs(Model model, BpfState start)
        {
            var used = new[] { _instruction.Dst, _instruction.Src, 0 }.Distinct();
            var fields = _instruction.Fields is not { } f ? ""
                : string.Concat(new[] { ("imm", f.Imm), ("offset", f.Offset), ("imm64", f.Imm64) }.Where(p => p.Item2 is not null)
                    .Select(p => $", {p.Item1} = {Hex(model, p.Item2!.Value)}"));
            yield return "inputs: " + string.Join(", ", used.Select(r => $"r{r} = {Hex(model, start.Registers[r])}")) + fields;
        }

        private static string Hex(Model model, BitVec value) => model.Evaluate(value) is var v && v.TryGetValue(out var x) ? $"0x{x:x}" : v.ToString();
    }
}
