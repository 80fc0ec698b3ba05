using CsCheck;
using Serval.Binary;
using Serval.Bpf;
using Serval.RiscV;
using Serval.Symbolic;
using Systems.RiscV;

namespace Serval.Tests.Bpf;

/// <summary>The JIT's RV64 encoder against the (binutils-checked) decoder, and whole programs compiled by clang run through the JIT.</summary>
public sealed class RiscVJitTests
{
    private const ulong CodeAddress = 0x40_0000;
    private const ulong ReturnAddress = 0x100;

    public static TheoryData<string, Opcode, int, int, int, long> Encodings => new()
    {
        { "addi", Opcode.Addi, 10, 11, 0, -2048 },
        { "addiw", Opcode.Addiw, 5, 6, 0, 2047 },
        { "lui", Opcode.Lui, 7, 0, 0, unchecked((long)0xFFFF_FFFF_8000_0000) },
        { "sraiw", Opcode.Sraiw, 9, 9, 0, 31 },
        { "srai", Opcode.Srai, 9, 9, 0, 63 },
        { "beq", Opcode.Beq, 0, 10, 11, -4096 },
        { "bgeu", Opcode.Bgeu, 0, 12, 13, 4094 },
        { "jal", Opcode.Jal, 0, 0, 0, -(1 << 20) },
        { "jal+", Opcode.Jal, 1, 0, 0, (1 << 20) - 2 },
        { "sd", Opcode.Sd, 0, 21, 15, -2048 },
        { "lhu", Opcode.Lhu, 15, 21, 0, 2047 },
        { "lb", Opcode.Lb, 15, 21, 0, -1 },
        { "remuw", Opcode.Remuw, 15, 15, 11, 0 },
        { "amoadd.w", Opcode.AmoaddW, 11, 5, 11, 0 },
        { "sc.d", Opcode.ScD, 28, 5, 10, 0 },
    };

    [Theory]
    [MemberData(nameof(Encodings))]
    public void The_assembler_encodes_what_the_decoder_reads_back(string which, Opcode opcode, int rd, int rs1, int rs2, long imm)
    {
        var code = new RiscVAssembler();
        switch (which)
        {
            case "addi": code.Addi(rd, rs1, (int)imm); break;
            case "addiw": code.Addiw(rd, rs1, (int)imm); break;
            case "lui": code.Lui(rd, 0x80000); break;
            case "sraiw": code.Sraiw(rd, rs1, (int)imm); break;
            case "srai": code.Srai(rd, rs1, (int)imm); break;
            case "beq": code.Beq(rs1, rs2, imm); break;
            case "bgeu": code.Bgeu(rs1, rs2, imm); break;
            case "jal" or "jal+": code.Jal(rd, imm); break;
            case "sd": code.Store(8, rs2, rs1, (int)imm); break;
            case "lhu": code.Load(2, false, rd, rs1, (int)imm); break;
            case "lb": code.Load(1, true, rd, rs1, (int)imm); break;
            case "remuw": code.Remuw(rd, rs1, rs2); break;
            case "amoadd.w": code.Atomic(0, true, rd, rs1, rs2); break;
            default: code.Atomic(3, false, rd, rs1, rs2); break;
        }
        var decoded = InstructionDecoder.Decode(Assert.Single(code.Words));
        Assert.Equal((opcode, rd, rs1, rs2, imm), (decoded.Opcode, (int)decoded.Rd, (int)decoded.Rs1, (int)decoded.Rs2, decoded.Imm));
        if (imm != 0)
        {
            // the interpreter's reading of a symbolic word's immediate, applied to this concrete word, agrees with the decoder
            Assert.Equal((ulong)imm, Interpreter.ImmediateOf(decoded, Assert.Single(code.SymbolicWords), CodeAddress).Value);
        }
    }

    [Fact]
    public void A_symbolic_immediate_is_read_back_from_its_word_as_the_term_it_was()
    {
        var x = BitVec.Var("x", 64);
        var emitters = new (string Name, Action<RiscVAssembler> Emit, BitVec Expected)[]
        {
            ("addi", c => c.Addi(10, 11, x), x),
            ("addiw", c => c.Addiw(10, 11, x), x),
            ("sd", c => c.Store(8, 15, 21, x), x),
            ("lwu", c => c.Load(4, false, 15, 21, x), x),
            ("srai", c => c.Srai(9, 9, x), x),
            ("slliw", c => c.Slliw(9, 9, x), x),
            ("lui", c => c.Lui(7, x), (x << 44).AShr(BitVec.Of(32, 64))),
            ("beq", c => c.Beq(10, 11, x), x),
            ("jal", c => c.Jal(0, x), x),
        };
        foreach (var (name, emit, expected) in emitters)
        {
            var code = new RiscVAssembler();
            Assert.Throws<InvalidOperationException>(() => code.Decide(x == 0UL)); // no symbolic decision outside EmitPaths
            emit(code);
            var fits = code.Obligations.Aggregate(Bool.True, (all, o) => all & o.Holds);
            var read = Interpreter.ImmediateOf(InstructionDecoder.Decode(Assert.Single(code.Words)), Assert.Single(code.SymbolicWords), CodeAddress);
            Assert.True(Sym.Verify(fits.Implies(read == expected), cancellationToken: TestContext.Current.CancellationToken).Outcome == VerifyOutcome.Proved, name);
            Assert.True(name == "lui" || code.Obligations.Count == 1, name); // every field but lui's 20 bits has a range to meet
        }
    }

    [Fact]
    public void Code_generation_on_a_symbolic_value_takes_each_feasible_way_once()
    {
        var value = BitVec.Var("v", 32).SignExtendTo(64);
        bool Feasible(Bool c) => Sym.Solve(c, cancellationToken: TestContext.Current.CancellationToken).Status != Serval.Smt.SolverStatus.Unsat;
        var paths = EmitPaths.Explore(code => RiscVJit.LoadImmediate(code, 5, value), Feasible);
        // addi alone; lui alone; lui and addiw
        Assert.Equal([1, 1, 2], paths.Select(p => p.Code.Words.Count).Order());
        Assert.True(Sym.Verify(paths.Aggregate(Bool.False, (any, p) => any | p.Condition), cancellationToken: TestContext.Current.CancellationToken).Outcome == VerifyOutcome.Proved);
        var replayed = EmitPaths.Replay(paths[1], code => RiscVJit.LoadImmediate(code, 5, value));
        Assert.Equal(paths[1].Code.Words, replayed.Code.Words);
    }

    [Fact]
    public void Any_64_bit_constant_is_materialized_exactly()
    {
        Gen.Select(Gen.ULong, Gen.Int[0, 63]).Sample((value, shift) =>
        {
            foreach (var constant in new[] { value, value >> shift, (ulong)((long)value >> shift), ~(value >> shift) })
            {
                var code = new RiscVAssembler();
                RiscVJit.LoadImmediate(code, 10, (long)constant);
                code.Jalr(0, 1, 0);
                var state = Start([]);
                var final = Assert.Single(new Interpreter(ElfImage.FromCode(CodeAddress, code.Words)).Run(state, s => s.Pc == ReturnAddress).Finals);
                Assert.Equal(constant, final["a0"].Value);
                Assert.True(code.Words.Count - 1 <= 8, $"{code.Words.Count - 1} instructions for 0x{constant:x}");
            }
        }, iter: 2_000);
    }

    [Theory(Timeout = 120_000), Integration]
    [InlineData("v3")]
    [InlineData("v4")]
    public async Task Clang_built_functions_compiled_by_the_JIT_agree_with_the_eBPF_interpreter(string cpu)
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory("bpf-jit");
        var objectFile = await BpfBuild.CompileAsync(dir, BpfBuild.SamplePath("arith.c"), cpu, token);
        var inputs = BpfDifferentialTests.EdgeValues.Where((_, k) => k % 3 == 0).SelectMany(a => BpfDifferentialTests.EdgeValues.Where((_, k) => k % 2 == 1).Select(b => (a, b))).ToList();
        foreach (var function in BpfBuild.FunctionNames(objectFile))
        {
            var program = BpfProgram.Load(objectFile, function: function);
            var jitted = new RiscVJit().Compile(program.Instructions);
            var image = ElfImage.FromCode(CodeAddress, jitted.Words);
            var interpreter = new Interpreter(image);
            foreach (var (a, b) in inputs)
            {
                var final = Assert.Single(interpreter.Run(Start([a, b]), s => s.Pc == ReturnAddress).Finals);
                Assert.True(program.Run(a, b) == final["a0"].Value, $"{function}(0x{a:x}, 0x{b:x}): eBPF 0x{program.Run(a, b):x}, JIT 0x{final["a0"].Value:x}");
            }
        }
    }

    // RV64 state entering JIT code: arguments in a0.., the eBPF frame pointer in s5, a return address in ra, a zeroed eBPF stack.
    private static MachineState Start(ulong[] arguments)
    {
        var registers = Enumerable.Repeat(BitVec.Of(0, 64), 32).ToArray();
        for (var k = 0; k < arguments.Length; k++)
        {
            registers[RiscVJit.RegisterMap[k + 1]] = BitVec.Of(arguments[k], 64);
        }
        registers[RiscVJit.RegisterMap[10]] = BitVec.Of(BpfMemory.FramePointer, 64);
        registers[1] = BitVec.Of(ReturnAddress, 64);
        var csrs = MachineState.ModelledCsrs.ToDictionary(c => c, _ => BitVec.Of(0, 64));
        return new MachineState(Xlen.Rv64, CodeAddress, registers, csrs, Privilege.Machine, BpfMemory.Create(0, zeroed: true), Bool.True);
    }
}
