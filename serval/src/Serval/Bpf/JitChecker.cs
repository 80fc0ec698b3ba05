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

/// <summary>One opcode form the JIT checker proves (e.g. <c>ALU64 ADD K</c>) and the concrete instructions it covers.</summary>
/// <param name="Name">The form's name.</param>
/// <param name="Instances">Instructions of this form: register choices, and the immediates and offsets that steer the JIT's code.</param>
public sealed record JitForm(string Name, IReadOnlyList<BpfInstruction> Instances);

/// <summary>
/// Jitterbug-style per-instruction checking of <see cref="RiscVJit"/>: for each instruction, the eBPF interpreter
/// runs it from a state with every register and all memory symbolic, the RISC-V interpreter runs the emitted RV64
/// code from the related state (each eBPF register in its RISC-V register, the same memory), and the solver proves
/// that every pair of final states corresponds: the RV64 code goes where the eBPF instruction goes (next, jump
/// target, epilogue), every mapped register holds the eBPF register's value, every other register but the
/// temporaries is unchanged, and memory agrees at every address. Registers and memory are symbolic; immediates and
/// offsets are enumerated (edge values that reach each of the JIT's code shapes) because the JIT runs concretely.
/// </summary>
public static class JitChecker
{
    /// <summary>Where the instruction's code is placed.</summary>
    public const ulong CodeAddress = 0x10_0000;

    /// <summary>The bytes of RV64 code given to each eBPF instruction before or after the checked one.</summary>
    public const int Stride = 16;

    /// <summary>Where the epilogue is, relative to the checked instruction's code.</summary>
    public const long EpilogueOffset = 0x4_0000;

    /// <summary>Immediates: zero, ±1, shift amounts, the 12-bit and 32-bit sign boundaries, and patterns.</summary>
    public static readonly IReadOnlyList<int> Immediates =
        [0, 1, -1, 2, 31, 32, 63, 64, 0x7FF, -0x800, 0x800, -0x801, 0xFFF, 0x7FFF_FFFF, int.MinValue, 0x1234_5678, unchecked((int)0x8765_4321)];

    /// <summary>Memory offsets: zero, small, and the 12-bit boundaries.</summary>
    public static readonly IReadOnlyList<short> MemoryOffsets = [0, 8, -8, 1, 0x7FF, -0x800, 0x800, -0x801, short.MaxValue, short.MinValue];

    /// <summary>Jump offsets (in instructions): to the next one, back to itself, near and as far as a 16-bit offset goes.</summary>
    public static readonly IReadOnlyList<short> JumpOffsets = [0, 1, -1, 2, 100, -100, short.MaxValue, short.MinValue];

    /// <summary>LD_IMM64 constants: 32-bit boundaries and values needing every step of 64-bit materialization.</summary>
    public static readonly IReadOnlyList<ulong> Constants64 =
    [
        0, 1, ulong.MaxValue, 0x7FF, 0x800, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0x1_0000_0000, 0x8000_0000_0000_0000,
        0x7FFF_FFFF_FFFF_F800, 0xFFFF_FFFF_FFFF_F800, 0x1234_5678_9ABC_DEF0, 0xFEDC_BA98_7654_3210, 0x0000_0800_0000_0800,
    ];

    // Every value of a form is checked with the first pairs; the rotating pairs, which give every other eBPF register
    // a turn as destination and as source, take one value each.
    private static readonly (int Dst, int Src)[] RegisterPairs = [(1, 2), (0, 0), (9, 10), (10, 6)];
    private static readonly (int Dst, int Src)[] RotatingPairs = [(3, 4), (4, 5), (5, 7), (7, 8), (8, 3), (6, 9), (2, 1)];

    // The (destination, source, value index) of every instance of a form with `values` immediates or offsets.
    private static IEnumerable<(int Dst, int Src, int Value)> Choices(int values) =>
        RegisterPairs.SelectMany(p => Enumerable.Range(0, values).Select(v => (p.Dst, p.Src, v)))
            .Concat(RotatingPairs.Select((p, r) => (p.Dst, p.Src, r % values)));

    /// <summary>
    /// Every opcode form of the eBPF ISA the JIT compiles (all but calls), with its instances: four register pairs
    /// with every immediate or offset, and seven more pairs (so that every register is a destination and a source
    /// somewhere) with one value each. <paramref name="immediates"/> replaces <see cref="Immediates"/> (e.g. random ones).
    /// </summary>
    public static IReadOnlyList<JitForm> Forms(IReadOnlyList<int>? immediates = null)
    {
        var immediateValues = immediates ?? Immediates;
        var forms = new List<JitForm>();
        void Add(byte opcode, short offset = 0, int? fixedImm = null)
        {
            var isJump = (BpfClass)(opcode & 7) is BpfClass.Jmp or BpfClass.Jmp32;
            var usesImmediate = (opcode & BpfOpcodes.X) == 0 && fixedImm is null;
            var instances = new List<BpfInstruction>();
            var k = 0;
            var values = usesImmediate ? immediateValues : [fixedImm ?? 0];
            foreach (var (dst, src, v) in Choices(values.Count))
            {
                var jumpOffset = isJump ? JumpOffsets[k++ % JumpOffsets.Count] : offset;
                var registerSource = (opcode & BpfOpcodes.X) != 0 && (opcode & 0xF0) != BpfOpcodes.End;
                var instruction = BpfDecoder.DecodeSlot(0, BpfOpcodes.Encode(opcode, dst, registerSource ? src : 0, jumpOffset, values[v]), null);
                if (instruction.IsLegal)
                {
                    instances.Add(instruction);
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
        forms.Add(new JitForm("LD IMM64", [.. Constants64.Select((c, k) => BpfDecoder.DecodeSlot(0,
            BpfOpcodes.Encode(BpfOpcodes.LdImm64, k % 10, 0, 0, (int)(uint)c), BpfOpcodes.Encode(0, 0, 0, 0, (int)(uint)(c >> 32))))]));
        foreach (var size in new[] { 1, 2, 4, 8 })
        {
            AddMemory(forms, BpfOpcodes.LoadStore(BpfClass.Ldx, BpfOpcodes.ModeMem, size), 0, immediateValues);
            if (size < 8)
            {
                AddMemory(forms, BpfOpcodes.LoadStore(BpfClass.Ldx, BpfOpcodes.ModeMemSx, size), 0, immediateValues);
            }
            AddMemory(forms, BpfOpcodes.LoadStore(BpfClass.St, BpfOpcodes.ModeMem, size), 0, immediateValues);
            AddMemory(forms, BpfOpcodes.LoadStore(BpfClass.Stx, BpfOpcodes.ModeMem, size), 0, immediateValues);
        }
        foreach (var size in new[] { 4, 8 })
        {
            foreach (var operation in new[] { BpfOpcodes.Add, BpfOpcodes.Or, BpfOpcodes.And, BpfOpcodes.Xor })
            {
                AddMemory(forms, BpfOpcodes.LoadStore(BpfClass.Stx, BpfOpcodes.ModeAtomic, size), operation, immediateValues);
                AddMemory(forms, BpfOpcodes.LoadStore(BpfClass.Stx, BpfOpcodes.ModeAtomic, size), operation | BpfOpcodes.AtomicFetch, immediateValues);
            }
            AddMemory(forms, BpfOpcodes.LoadStore(BpfClass.Stx, BpfOpcodes.ModeAtomic, size), BpfOpcodes.AtomicXchg, immediateValues);
            AddMemory(forms, BpfOpcodes.LoadStore(BpfClass.Stx, BpfOpcodes.ModeAtomic, size), BpfOpcodes.AtomicCmpXchg, immediateValues);
        }
        return forms;
    }

    // A load, store or atomic form: every register pair at every memory offset (ST: an immediate cycling with them).
    private static void AddMemory(List<JitForm> forms, byte opcode, int atomicOperation, IReadOnlyList<int> immediates)
    {
        var isStore = (BpfClass)(opcode & 7) == BpfClass.St;
        var instances = new List<BpfInstruction>();
        var k = 0;
        foreach (var (dst, src, v) in Choices(MemoryOffsets.Count))
        {
            var imm = isStore ? immediates[k++ % immediates.Count] : atomicOperation;
            var instruction = BpfDecoder.DecodeSlot(0, BpfOpcodes.Encode(opcode, dst, isStore ? 0 : src, MemoryOffsets[v], imm), null);
            if (instruction.IsLegal)
            {
                instances.Add(instruction);
            }
        }
        forms.Add(new JitForm(BpfDisassembler.FormName(opcode, 0, atomicOperation), instances));
    }

    /// <summary>Proves (or refutes) every form, <see cref="VerifierOptions.Jobs"/> at once.</summary>
    public static IReadOnlyList<CheckResult> CheckAll(RiscVJit jit, IReadOnlyList<JitForm> forms, VerifierOptions options, CancellationToken cancellationToken) =>
        Verifier.RunParallel(forms, options, (form, solver) => Check(jit, form, solver, cancellationToken), cancellationToken);

    /// <summary>Proves that the JIT's code for every instance of <paramref name="form"/> does what the instruction does.</summary>
    public static CheckResult Check(RiscVJit jit, JitForm form, VerifyOptions? solver = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jit);
        ArgumentNullException.ThrowIfNull(form);
        var clock = Stopwatch.StartNew();
        foreach (var instruction in form.Instances)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Instance instance;
            try
            {
                instance = new Instance(jit, instruction);
            }
            catch (Exception e) when (e is NotSupportedException or ArgumentOutOfRangeException or UnsupportedInstructionException)
            {
                return new CheckResult(form.Name, VerifyOutcome.Unknown, $"'{instruction}': cannot check: {e.Message}", clock.Elapsed.TotalSeconds, false);
            }
            var goals = instance.Goals(instance.BpfStart, instance.RiscVStart);
            var claim = goals.Aggregate(Bool.True, (all, g) => all & g.Holds);
            var result = Sym.Verify(claim, solver, cancellationToken);
            if (result.Outcome == VerifyOutcome.Unknown)
            {
                return new CheckResult(form.Name, VerifyOutcome.Unknown, $"'{instruction}': solver gave no answer ({result.Reason})", clock.Elapsed.TotalSeconds, false);
            }
            if (result.Outcome == VerifyOutcome.Counterexample)
            {
                var (report, confirmed) = instance.Explain(goals, result.Model!);
                return new CheckResult(form.Name, VerifyOutcome.Counterexample, report, clock.Elapsed.TotalSeconds, false, confirmed);
            }
        }
        return new CheckResult(form.Name, VerifyOutcome.Proved, "", clock.Elapsed.TotalSeconds, false);
    }

    /// <summary>A goal of one instance, with how to show the values behind it in a model.</summary>
    private sealed record JitGoal(string Description, Bool Holds, Func<Model, IEnumerable<string>> Show);

    // One instruction, its RV64 code and the two related symbolic start states.
    private sealed class Instance
    {
        private readonly BpfInstruction _instruction;
        private readonly ElfImage _image;
        private readonly IReadOnlyList<uint> _words;
        private readonly ulong _end;
        private readonly long _codeSize;
        private readonly BitVec _probe = BitVec.Var("probe_address", 64);

        public Instance(RiscVJit jit, BpfInstruction instruction)
        {
            _instruction = instruction;
            var measure = new RiscVAssembler();
            jit.Emit(measure, instruction, _ => 0, 0);
            _codeSize = measure.Position;
            var code = new RiscVAssembler();
            jit.Emit(code, instruction, AddressOf, EpilogueOffset);
            _words = code.Words;
            _end = CodeAddress + (ulong)_codeSize;
            _image = ElfImage.FromCode(CodeAddress, _words, $"<RV64 code of '{instruction}'>");
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

        // Where the code of eBPF instruction k starts, relative to this one's: before it at a fixed stride, after it
        // from its end on (so the next instruction starts where this code ends).
        private long AddressOf(int k) => k <= _instruction.Index ? (k - _instruction.Index) * (long)Stride
            : _codeSize + ((k - _instruction.Index - _instruction.Slots) * (long)Stride);

        public List<JitGoal> Goals(BpfState bpfStart, MachineState riscVStart)
        {
            var bugs = new List<Bug>();
            var bpfForks = new List<BpfState>();
            var bpf = bpfStart.Clone();
            new BpfInterpreter([_instruction]).Step(bpf, bugs, bpfForks);
            var bpfFinals = bpfForks.Prepend(bpf).Where(s => !s.Guard.IsFalse).ToList();
            // No code at all (an instruction compiled to nothing) leaves the start state as the one final state.
            var execution = _words.Count == 0 ? new Execution([riscVStart.Clone()], [])
                : new Interpreter(_image) { MaxSteps = 1000 }.Run(riscVStart, s => s.Steps > 0 && (s.Pc == CodeAddress || s.Pc < CodeAddress || s.Pc >= _end));
            var goals = new List<JitGoal>();
            foreach (var bug in execution.Bugs.Concat(bugs))
            {
                goals.Add(new JitGoal($"undefined behaviour: {bug.Message}", !bug.Condition, _ => []));
            }
            foreach (var b in bpfFinals)
            {
                var expectedPc = CodeAddress + (ulong)(b.Exited ? EpilogueOffset : AddressOf(b.Pc));
                foreach (var v in execution.Finals)
                {
                    var both = b.Guard & v.Guard;
                    if (v.Pc != expectedPc)
                    {
                        goals.Add(new JitGoal($"control flow: eBPF goes to {Where(b)}, the RV64 code to 0x{v.Pc:x} (expected 0x{expectedPc:x})", !both, m => Inputs(m, bpfStart)));
                        continue;
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
                    var (bpfByte, rvByte) = (b.Memory.Load(_probe, 1, []), v.Memory.Load(_probe, 1, []));
                    goals.Add(new JitGoal($"memory differs after {Where(b)}", both.Implies(bpfByte == rvByte),
                        m => Inputs(m, bpfStart).Append($"at {Hex(m, _probe)}: eBPF {Hex(m, bpfByte)}, RV64 {Hex(m, rvByte)}")));
                }
            }
            return goals;
        }

        public (string Report, bool Confirmed) Explain(List<JitGoal> goals, Model model)
        {
            var text = new StringBuilder();
            text.AppendLine(CultureInfo.InvariantCulture, $"'{_instruction}' ({BpfDisassembler.FormName(_instruction.Opcode, _instruction.Offset, _instruction.Imm)}, "
                + $"dst r{_instruction.Dst} = {Disassembler.IntegerRegisterName(RiscVJit.RegisterMap[_instruction.Dst])}, src r{_instruction.Src} = {Disassembler.IntegerRegisterName(RiscVJit.RegisterMap[_instruction.Src])}, "
                + $"imm {_instruction.Imm}, offset {_instruction.Offset}):");
            foreach (var goal in goals.Where(g => model.Evaluate(g.Holds).IsFalse).Take(4))
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  {goal.Description}");
                foreach (var line in goal.Show(model).Distinct())
                {
                    text.AppendLine(CultureInfo.InvariantCulture, $"    {line}");
                }
            }
            text.AppendLine("  RV64 code:");
            for (var k = 0; k < _words.Count; k++)
            {
                var pc = CodeAddress + (ulong)(k * 4);
                text.AppendLine(CultureInfo.InvariantCulture, $"    0x{pc:x}  {_words[k]:x8}  {Disassembler.Format(InstructionDecoder.Decode(_words[k]), pc)}");
            }
            // Confirmed when the same instruction and code, run from the model's concrete states, fail again.
            bool confirmed;
            try
            {
                confirmed = Goals(BpfStart.Concretize(model), RiscVStart.Concretize(model)).Any(g => model.Evaluate(g.Holds).IsFalse);
            }
            catch (UnsupportedInstructionException)
            {
                confirmed = false;
            }
            text.AppendLine(confirmed ? "  confirmed: running both from these concrete values disagrees" : "  NOT confirmed by a concrete run");
            return (text.ToString(), confirmed);
        }

        private string Where(BpfState b) => b.Exited ? "exit" : b.Pc == _instruction.Index + _instruction.Slots ? "the next instruction" : $"instruction {b.Pc}";

        private IEnumerable<string> Inputs(Model model, BpfState start)
        {
            var used = new[] { _instruction.Dst, _instruction.Src, 0 }.Distinct();
            yield return "inputs: " + string.Join(", ", used.Select(r => $"r{r} = {Hex(model, start.Registers[r])}"));
        }

        private static string Hex(Model model, BitVec value) => model.Evaluate(value) is var v && v.TryGetValue(out var x) ? $"0x{x:x}" : v.ToString();
    }
}
