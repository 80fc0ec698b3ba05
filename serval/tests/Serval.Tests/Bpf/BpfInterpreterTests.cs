using System.Buffers.Binary;
using CsCheck;
using Serval.Bpf;
using Serval.RiscV;
using Serval.Symbolic;
using static Serval.Bpf.BpfOpcodes;

namespace Serval.Tests.Bpf;

/// <summary>Per-instruction edge values of the eBPF interpreter, and the decoder on good and bad bits.</summary>
public sealed class BpfInterpreterTests
{
    private const ulong Min64 = 0x8000_0000_0000_0000;

    [Theory]
    // ALU32 results are zero-extended; immediates of ALU64 are sign-extended.
    [InlineData(0x04, 0, 1, ulong.MaxValue, 0UL, 0UL)]                         // w1 += 1 wraps to 0, high half cleared
    [InlineData(0x07, 0, -1, 5UL, 0UL, 4UL)]                                   // r1 += -1
    [InlineData(0x04, 0, -1, 5UL, 0UL, 4UL)]                                   // w1 += -1
    [InlineData(0xB4, 0, -1, 5UL, 0UL, 0xFFFF_FFFFUL)]                         // w1 = -1
    [InlineData(0xB7, 0, -1, 5UL, 0UL, ulong.MaxValue)]                        // r1 = -1
    [InlineData(0x37, 0, -1, ulong.MaxValue, 0UL, 1UL)]                        // r1 /= -1 divides by 2^64 - 1
    // Division by zero gives 0; modulo by zero leaves the dividend (32-bit: its low half).
    [InlineData(0x3F, 0, 0, 1234UL, 0UL, 0UL)]                                 // r1 /= r2
    [InlineData(0x3C, 0, 0, 1234UL, 0UL, 0UL)]                                 // w1 /= w2
    [InlineData(0x9F, 0, 0, 0x1_0000_1234UL, 0UL, 0x1_0000_1234UL)]            // r1 %= r2
    [InlineData(0x9C, 0, 0, 0x1_0000_1234UL, 0UL, 0x1234UL)]                   // w1 %= w2
    [InlineData(0x9C, 0, 0, 0x1_0000_1234UL, 0x1_0000_0000UL, 0x1234UL)]       // w2's low half is zero
    // Signed division and modulo (offset 1): overflow, zero, the sign of the remainder follows the dividend.
    [InlineData(0x3F, 1, 0, Min64, ulong.MaxValue, Min64)]                      // r1 s/= r2: INT64_MIN / -1
    [InlineData(0x9F, 1, 0, Min64, ulong.MaxValue, 0UL)]                        // r1 s%= r2
    [InlineData(0x3F, 1, 0, 7UL, 0UL, 0UL)]                                     // s/ by zero
    [InlineData(0x9F, 1, 0, 7UL, 0UL, 7UL)]                                     // s% by zero
    [InlineData(0x9F, 1, 0, unchecked((ulong)-7L), 2UL, ulong.MaxValue)]        // -7 s% 2 = -1
    [InlineData(0x3C, 1, 0, 0x8000_0000UL, 0xFFFF_FFFFUL, 0x8000_0000UL)]       // w1 s/= w2: INT32_MIN / -1
    [InlineData(0x3C, 1, 0, unchecked((ulong)-7L), 2UL, 0xFFFF_FFFDUL)]         // -7 s/ 2 = -3, zero-extended
    [InlineData(0x9C, 1, 0, 0xFFFF_FFF9UL, 0UL, 0xFFFF_FFF9UL)]                 // w1 s%= 0
    // Shift amounts are masked to the width.
    [InlineData(0x6F, 0, 0, 1UL, 65UL, 2UL)]                                    // r1 <<= 65 shifts by 1
    [InlineData(0x6C, 0, 0, 1UL, 33UL, 2UL)]                                    // w1 <<= 33 shifts by 1
    [InlineData(0x7C, 0, 0, 0xFFFF_FFFF_0000_0010UL, 36UL, 1UL)]                // w1 >>= 36 shifts the low half by 4
    [InlineData(0xCC, 0, 0, 0x8000_0000UL, 4UL, 0xF800_0000UL)]                 // w1 s>>= 4, zero-extended
    [InlineData(0xCF, 0, 0, Min64, 63UL, ulong.MaxValue)]                       // r1 s>>= 63
    [InlineData(0x67, 0, 0, 0xABUL, 0UL, 0xABUL)]                               // r1 <<= 0
    [InlineData(0x87, 0, 0, 1UL, 0UL, ulong.MaxValue)]                          // r1 = -r1
    [InlineData(0x84, 0, 0, 0x1_0000_0001UL, 0UL, 0xFFFF_FFFFUL)]               // w1 = -w1
    [InlineData(0x2C, 0, 0, 0x1_0000_0003UL, 0xFFFF_FFFFUL, 0xFFFF_FFFDUL)]     // w1 *= w2
    // Sign-extending moves (offset 8/16/32).
    [InlineData(0xBF, 8, 0, 0UL, 0x80UL, 0xFFFF_FFFF_FFFF_FF80UL)]              // r1 = (s8)r2
    [InlineData(0xBF, 32, 0, 0UL, 0x1_8000_0000UL, 0xFFFF_FFFF_8000_0000UL)]    // r1 = (s32)r2
    [InlineData(0xBC, 16, 0, 0UL, 0x8000UL, 0xFFFF_8000UL)]                     // w1 = (s16)w2
    // Byte swaps: to_le truncates, to_be and bswap reverse the bytes; all zero-extend.
    [InlineData(0xD4, 0, 16, 0x1122_3344_5566_7788UL, 0UL, 0x7788UL)]
    [InlineData(0xD4, 0, 64, 0x1122_3344_5566_7788UL, 0UL, 0x1122_3344_5566_7788UL)]
    [InlineData(0xDC, 0, 16, 0x1122_3344_5566_7788UL, 0UL, 0x8877UL)]
    [InlineData(0xDC, 0, 32, 0x1122_3344_5566_7788UL, 0UL, 0x8877_6655UL)]
    [InlineData(0xD7, 0, 64, 0x1122_3344_5566_7788UL, 0UL, 0x8877_6655_4433_2211UL)]
    public void An_arithmetic_instruction_computes_the_ISA_result(byte opcode, short offset, int imm, ulong r1, ulong r2, ulong expected)
    {
        var usesRegister = (opcode & X) != 0 && (opcode & 0xF0) != End;
        var words = new[] { Encode(opcode, 1, usesRegister ? 2 : 0, offset, usesRegister ? 0 : imm), Encode(0x95, 0, 0, 0, 0) };
        Assert.Equal(expected, Execute(words, r1, r2).Registers[1].Value);
    }

    [Theory]
    [InlineData(0x15, 0x1_0000_0000UL, 0UL, false)]          // if r1 == 0 (64 bits)
    [InlineData(0x16, 0x1_0000_0000UL, 0UL, true)]           // if w1 == 0 (low halves)
    [InlineData(0x25, ulong.MaxValue, 0UL, true)]            // if r1 > 0 unsigned
    [InlineData(0x65, ulong.MaxValue, 0UL, false)]           // if r1 s> 0
    [InlineData(0x66, 0x7FFF_FFFFUL, 0UL, true)]             // if w1 s> 0
    [InlineData(0x66, 0x8000_0000UL, 0UL, false)]            // if w1 s> 0
    [InlineData(0x45, 0x10UL, 0UL, false)]                   // if r1 & 0
    [InlineData(0x4D, 0x10UL, 0x30UL, true)]                 // if r1 & r2
    [InlineData(0xC5, ulong.MaxValue, 0UL, true)]            // if r1 s< 0
    [InlineData(0xBE, 0x2_0000_0005UL, 0x1_0000_0005UL, true)] // if w1 <= w2
    [InlineData(0xAD, 0x2_0000_0005UL, 0x1_0000_0005UL, false)] // if r1 < r2
    public void A_conditional_jump_compares_the_right_width_and_signedness(byte opcode, ulong r1, ulong r2, bool taken)
    {
        var usesRegister = (opcode & X) != 0;
        // r0 = 1; if (cond) goto +1; r0 = 2; exit
        var words = new[]
        {
            Encode(0xB7, 0, 0, 0, 1), Encode(opcode, 1, usesRegister ? 2 : 0, 1, 0), Encode(0xB7, 0, 0, 0, 2), Encode(0x95, 0, 0, 0, 0),
        };
        Assert.Equal(taken ? 1UL : 2UL, Execute(words, r1, r2).Registers[0].Value);
    }

    [Fact]
    public void Loads_and_stores_of_every_size_use_the_stack_little_endian_and_sign_extend_when_asked()
    {
        var words = new[]
        {
            Encode(LoadStore(BpfClass.Stx, ModeMem, 8), 10, 1, -8, 0),     // *(u64 *)(r10 - 8) = r1
            Encode(LoadStore(BpfClass.Ldx, ModeMem, 1), 3, 10, -8, 0),     // w3 = *(u8 *)(r10 - 8)
            Encode(LoadStore(BpfClass.Ldx, ModeMem, 2), 4, 10, -6, 0),     // w4 = *(u16 *)(r10 - 6)
            Encode(LoadStore(BpfClass.Ldx, ModeMemSx, 4), 5, 10, -8, 0),   // r5 = *(s32 *)(r10 - 8)
            Encode(LoadStore(BpfClass.St, ModeMem, 2), 10, 0, -16, -2),    // *(u16 *)(r10 - 16) = -2
            Encode(LoadStore(BpfClass.St, ModeMem, 8), 10, 0, -24, -2),    // *(u64 *)(r10 - 24) = -2
            Encode(LoadStore(BpfClass.Ldx, ModeMem, 8), 6, 10, -16, 0),
            Encode(LoadStore(BpfClass.Ldx, ModeMem, 8), 7, 10, -24, 0),
            Encode(0x95, 0, 0, 0, 0),
        };
        var r = Execute(words, 0x1122_3344_8899_AABBUL, 0).Registers;
        Assert.Equal(0xBBUL, r[3].Value);
        Assert.Equal(0x8899UL, r[4].Value);
        Assert.Equal(0xFFFF_FFFF_8899_AABBUL, r[5].Value);
        Assert.Equal(0xFFFEUL, r[6].Value); // the rest of the zeroed slot stays zero
        Assert.Equal(ulong.MaxValue - 1, r[7].Value);
    }

    [Theory]
    [InlineData(Add, 4, 0x1_0000_0005UL, 0x1_FFFF_FFFFUL, 0x4UL, 0x1_FFFF_FFFFUL)]   // 32-bit add: memory wraps, src unchanged
    [InlineData(Add | AtomicFetch, 4, 0x1_0000_0005UL, 0xFFFF_FFFFUL, 0x4UL, 0x5UL)]              // fetch: src = old, zero-extended
    [InlineData(Or | AtomicFetch, 8, 0xF0UL, 0x0FUL, 0xFFUL, 0xF0UL)]
    [InlineData(And, 8, 0xF0UL, 0x3CUL, 0x30UL, 0x3CUL)]
    [InlineData(Xor | AtomicFetch, 8, 0xF0UL, 0xFFUL, 0x0FUL, 0xF0UL)]
    [InlineData(AtomicXchg, 8, 0x1234UL, 0x5678UL, 0x5678UL, 0x1234UL)]
    public void An_atomic_operation_updates_memory_and_fetches_the_old_value(int operation, int size, ulong memory, ulong source, ulong memoryAfter, ulong sourceAfter)
    {
        var words = new[]
        {
            Encode(LoadStore(BpfClass.Stx, ModeMem, 8), 10, 1, -8, 0),
            Encode(LoadStore(BpfClass.Stx, ModeAtomic, size), 10, 2, -8, operation),
            Encode(LoadStore(BpfClass.Ldx, ModeMem, size), 3, 10, -8, 0),
            Encode(0x95, 0, 0, 0, 0),
        };
        var r = Execute(words, memory, source).Registers;
        Assert.Equal(memoryAfter & (size == 4 ? 0xFFFF_FFFFUL : ulong.MaxValue), r[3].Value);
        Assert.Equal(sourceAfter, r[2].Value);
    }

    [Theory]
    [InlineData(0x1_0000_0007UL, 0x7UL, 0x99UL)]   // 32-bit: r0's low half equals memory, so the swap happens
    [InlineData(0x6UL, 0x7UL, 0x7UL)]              // no swap
    public void Cmpxchg_compares_r0_and_returns_the_old_value_in_r0(ulong r0, ulong memory, ulong memoryAfter)
    {
        var words = new[]
        {
            Encode(LoadStore(BpfClass.Stx, ModeMem, 8), 10, 1, -8, 0),
            Encode(0xB7, 0, 0, 0, 0x99),                                      // r3 source below
            Encode(0xBF, 3, 0, 0, 0),                                         // r3 = r0
            LdImm64Words(0, r0)[0], LdImm64Words(0, r0)[1],
            Encode(LoadStore(BpfClass.Stx, ModeAtomic, 4), 10, 3, -8, AtomicCmpXchg),
            Encode(LoadStore(BpfClass.Ldx, ModeMem, 4), 4, 10, -8, 0),
            Encode(0x95, 0, 0, 0, 0),
        };
        var r = Execute(words, memory, 0).Registers;
        Assert.Equal(memoryAfter, r[4].Value);
        Assert.Equal(memory, r[0].Value);
    }

    [Fact]
    public void Ld_imm64_takes_two_slots_and_a_jump_over_it_counts_both()
    {
        var imm = LdImm64Words(2, 0x8877_6655_4433_2211);
        var words = new[] { Encode(0x05, 0, 0, 2, 0), imm[0], imm[1], Encode(0xBF, 0, 2, 0, 0), Encode(0x95, 0, 0, 0, 0) };
        Assert.Equal(0UL, Execute(words, 0, 0).Registers[0].Value); // jumped over the load to r0 = r2
        var program = BpfDecoder.Decode(Bytes(words));
        Assert.Equal([0, 1, 3, 4], program.Select(i => i.Index));
        Assert.Equal(0x8877_6655_4433_2211UL, program[1].Imm64);
    }

    [Fact]
    public void An_out_of_bounds_stack_store_is_a_bug_naming_its_instruction_index()
    {
        var words = new[] { Encode(0xB7, 0, 0, 0, 0), Encode(LoadStore(BpfClass.Stx, ModeMem, 8), 10, 1, 0, 0), Encode(0x95, 0, 0, 0, 0) };
        var execution = new BpfInterpreter(Bytes(words)).Run(BpfMemory.Start(BpfMemory.Create(0, zeroed: true), [BitVec.Of(1, 64)]));
        var bug = Assert.Single(execution.Bugs);
        Assert.True(bug.Condition.IsTrue);
        Assert.Equal(1UL, bug.Pc);
        Assert.Contains("outside every memory region", bug.Message, StringComparison.Ordinal);
        Assert.Contains("at index 1", bug.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_symbolic_branch_forks_and_each_path_keeps_its_guard()
    {
        // r0 = r1 s< 0 ? 1 : 2
        var words = new[] { Encode(0xB7, 0, 0, 0, 2), Encode(0x65, 1, 0, 1, -1), Encode(0xB7, 0, 0, 0, 1), Encode(0x95, 0, 0, 0, 0) };
        var x = BitVec.Var("x", 64);
        var execution = new BpfInterpreter(Bytes(words)).Run(BpfMemory.Start(BpfMemory.Create(0, zeroed: false), [x]));
        Assert.Equal(2, execution.Finals.Count);
        var claim = execution.Finals.Aggregate(Bool.True, (all, f) => all & f.Guard.Implies(f.Registers[0] == BitVec.Ite(x.Slt(BitVec.Of(0, 64)), BitVec.Of(1, 64), BitVec.Of(2, 64))));
        Assert.Equal(VerifyOutcome.Proved, Sym.Verify(claim, cancellationToken: TestContext.Current.CancellationToken).Outcome);
    }

    [Theory]
    [InlineData(0x07UL | (11UL << 8), "register r11 does not exist")]
    [InlineData(0xB7UL | (10UL << 8), "r10 (the frame pointer) is read-only")]
    [InlineData(0x05UL | (100UL << 16), "outside the program")]
    [InlineData(0xFFUL, "unknown")]
    [InlineData(0x20UL, "legacy packet access")]
    [InlineData(0xD4UL | (24UL << 32), "byte swap of width 24")]
    [InlineData(0x37UL | (2UL << 16), "offset 2 is not allowed")]
    public void An_illegal_instruction_names_its_word_and_slot_and_stops_execution(ulong word, string why)
    {
        var words = new[] { Encode(0xB7, 0, 0, 0, 0), word, Encode(0x95, 0, 0, 0, 0) };
        var program = BpfDecoder.Decode(Bytes(words));
        var illegal = program[1];
        Assert.False(illegal.IsLegal);
        Assert.Contains($"0x{word:x16} at slot 1", illegal.Illegal, StringComparison.Ordinal);
        Assert.Contains(why, illegal.Illegal, StringComparison.Ordinal);
        var error = Assert.Throws<UnsupportedInstructionException>(() => new BpfInterpreter(program).Run(BpfMemory.Start(BpfMemory.Create(0, zeroed: true), [])));
        Assert.Contains("slot 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Random_words_decode_without_throwing_and_every_refusal_says_why()
    {
        Gen.ULong.Array[1, 8].Sample(words =>
        {
            foreach (var i in BpfDecoder.Decode(Bytes(words)))
            {
                Assert.True(i.IsLegal || i.Illegal!.Length > 0);
                Assert.NotEmpty(i.ToString());
            }
        }, iter: 20_000);
    }

    [Fact]
    public void Running_off_the_end_and_unmodelled_helpers_are_reported_not_guessed()
    {
        var offEnd = Assert.Throws<UnsupportedInstructionException>(() => Execute([Encode(0xB7, 0, 0, 0, 0)], 0, 0));
        Assert.Contains("ran off the program at index 1", offEnd.Message, StringComparison.Ordinal);
        var helper = Assert.Throws<UnsupportedInstructionException>(() => Execute([Encode(0x85, 0, 0, 0, 5), Encode(0x95, 0, 0, 0, 0)], 0, 0));
        Assert.Contains("helper 5", helper.Message, StringComparison.Ordinal);
        var modelled = new BpfInterpreter(Bytes([Encode(0x85, 0, 0, 0, 5), Encode(0x95, 0, 0, 0, 0)]))
        {
            Helpers = new Dictionary<int, BpfHelper> { [5] = (s, _) => s.Registers[1] + s.Registers[2] },
        }.Run(BpfMemory.Start(BpfMemory.Create(0, zeroed: true), [BitVec.Of(40, 64), BitVec.Of(2, 64)]));
        Assert.Equal(42UL, Assert.Single(modelled.Finals).Registers[0].Value);
    }

    internal static ulong[] LdImm64Words(int dst, ulong value) =>
        [Encode(LdImm64, dst, 0, 0, (int)(uint)value), Encode(0, 0, 0, 0, (int)(uint)(value >> 32))];

    internal static byte[] Bytes(ulong[] words)
    {
        var bytes = new byte[words.Length * 8];
        for (var k = 0; k < words.Length; k++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(k * 8), words[k]);
        }
        return bytes;
    }

    private static BpfState Execute(ulong[] words, ulong r1, ulong r2)
    {
        var execution = new BpfInterpreter(Bytes(words)).Run(BpfMemory.Start(BpfMemory.Create(0, zeroed: true), [BitVec.Of(r1, 64), BitVec.Of(r2, 64)]));
        Assert.Empty(execution.Bugs);
        return Assert.Single(execution.Finals);
    }
}
