using CsCheck;
using Popcorn.Emulation.AArch64;

namespace Popcorn.Tests.Emulation.AArch64;

public class A64DecoderTests
{
    private const ulong Pc = 0x40_0000;

    private static A64Instruction Decode(uint word) => A64Decoder.Decode(word, Pc);

    [Fact]
    public void Patterns_compile_to_mask_and_value()
    {
        var (mask, value) = A64Decoder.CompilePattern("x0011010 000xxxxx 000000xx xxxxxxxx");
        Assert.Equal(0x7FE0_FC00u, mask);
        Assert.Equal(0x1A00_0000u, value);
        Assert.Throws<ArgumentException>(() => A64Decoder.CompilePattern("0101"));
        Assert.Throws<ArgumentException>(() => A64Decoder.CompilePattern("x0011010 000xxxxx 000000xx xxxxxxxz"));
    }

    [Fact]
    public void Arithmetic_and_moves_decode_with_their_operands()
    {
        var add = Decode(0x91000400); // add x0, x0, #1
        Assert.Equal((A64Op.AddImm, true, (byte)0, (byte)0, 1L), (add.Op, add.Sf, add.Rd, add.Rn, add.Imm));

        var movFromSp = Decode(0x910003fd); // mov x29, sp
        Assert.Equal((A64Op.AddImm, (byte)29, A64Instruction.Sp), (movFromSp.Op, movFromSp.Rd, movFromSp.Rn));

        var cmp = Decode(0xeb01001f); // cmp x0, x1: the result goes to XZR
        Assert.Equal((A64Op.SubsShift, A64Instruction.Sink, (byte)0, (byte)1), (cmp.Op, cmp.Rd, cmp.Rn, cmp.Rm));

        var and = Decode(0x92402d2f); // and x15, x9, #0xfff
        Assert.Equal((A64Op.AndImm, 0xFFFL), (and.Op, and.Imm));

        var bitmask = Decode(0xb2407be0); // mov x0, #0x7fffffff (orr with a bitmask immediate)
        Assert.Equal((A64Op.OrrImm, 0x7FFF_FFFFL, A64Instruction.Zr), (bitmask.Op, bitmask.Imm, bitmask.Rn));

        var movn = Decode(0x12800000); // mov w0, #-1: 32-bit MOVN zero-extends
        Assert.Equal((A64Op.MovConst, 0xFFFF_FFFFL), (movn.Op, movn.Imm));

        var movz = Decode(0xd2a00020); // mov x0, #0x10000
        Assert.Equal((A64Op.MovConst, 0x1_0000L), (movz.Op, movz.Imm));

        var ubfx = Decode(0xd368cd4f); // ubfx x15, x10, #40, #12
        Assert.Equal((A64Op.Ubfm, (byte)40), (ubfx.Op, ubfx.Amount));
    }

    [Fact]
    public void Branches_resolve_their_targets_at_decode_time()
    {
        Assert.Equal((A64Op.BCond, (byte)1, (long)Pc + 8), (Decode(0x54000041).Op, Decode(0x54000041).Cond, Decode(0x54000041).Imm)); // b.ne #8
        Assert.Equal((A64Op.Cbz, true, (long)Pc + 8), (Decode(0xb4000040).Op, Decode(0xb4000040).Sf, Decode(0xb4000040).Imm)); // cbz x0, #8
        var tbnz = Decode(0x37080040); // tbnz w0, #1, #8
        Assert.Equal((A64Op.Tbnz, (byte)1, (long)Pc + 8), (tbnz.Op, tbnz.Amount, tbnz.Imm));
        Assert.Equal((A64Op.Ret, (byte)30), (Decode(0xd65f03c0).Op, Decode(0xd65f03c0).Rn));
        var adrp = A64Decoder.Decode(0x9000008a, 0x2101d0); // adrp x10, 0x220000
        Assert.Equal((A64Op.MovConst, 0x22_0000L), (adrp.Op, adrp.Imm));
    }

    [Fact]
    public void Loads_and_stores_carry_their_addressing_mode()
    {
        var stp = Decode(0xa9bf7bfd); // stp x29, x30, [sp, #-16]!
        Assert.Equal((A64Op.StpX, AddressMode.PreIndex, -16L, A64Instruction.Sp, (byte)29, (byte)30), (stp.Op, stp.Mode, stp.Imm, stp.Rn, stp.Rd, stp.Ra));
        var ldr = Decode(0xf8617800); // ldr x0, [x0, x1, lsl #3]
        Assert.Equal((A64Op.LdrX, AddressMode.Register, (byte)3, (byte)3, (byte)1), (ldr.Op, ldr.Mode, ldr.Shift, ldr.Amount, ldr.Rm));
        var ldaxr = Decode(0x885ffc01); // ldaxr w1, [x0]
        Assert.Equal((A64Op.Ldxr, (byte)4, (byte)1), (ldaxr.Op, ldaxr.Size, ldaxr.Rd));
        var stlxr = Decode(0x8802fc20); // stlxr w2, w0, [x1]: the status register is Rm
        Assert.Equal((A64Op.Stxr, (byte)2, (byte)0, (byte)1), (stlxr.Op, stlxr.Rm, stlxr.Rd, stlxr.Rn));
    }

    [Fact]
    public void Floating_point_and_system_instructions_decode()
    {
        var fadd = Decode(0x1e622820); // fadd d0, d1, d2
        Assert.Equal((A64Op.Fadd, (byte)8, (byte)0, (byte)1, (byte)2), (fadd.Op, fadd.Size, fadd.Rd, fadd.Rn, fadd.Rm));
        var ucvtf = Decode(0x9e4349e2); // ucvtf d2, x15, #46
        Assert.Equal((A64Op.Ucvtf, (byte)46, (byte)15), (ucvtf.Op, ucvtf.Amount, ucvtf.Rn));
        var fmov = Decode(0x1e601000); // fmov d0, #2.0
        Assert.Equal((A64Op.FmovImm, BitConverter.DoubleToInt64Bits(2.0)), (fmov.Op, fmov.Imm));
        Assert.Equal((A64Op.Mrs, (long)A64Cpu.SystemRegisters.Tpidr), (Decode(0xd53bd040).Op, Decode(0xd53bd040).Imm)); // mrs x0, tpidr_el0
        Assert.Equal(A64Op.Nop, Decode(0xd503201f).Op);
    }

    [Fact]
    public void Unallocated_words_decode_to_unknown_naming_the_word()
    {
        foreach (var word in new uint[] { 0x0000_0000, 0xFFFF_FFFF, 0x1e43_fd25 & 0xFF3F_FFFF | 0x00C0_0000 /* fp type 11 (half) */ })
        {
            var decoded = Decode(word);
            Assert.Equal(A64Op.Unknown, decoded.Op);
            Assert.Equal(word, (uint)decoded.Imm);
        }
    }

    [Fact]
    public void Decoding_never_throws_and_unknown_always_carries_the_word()
    {
        Gen.UInt.Sample(word =>
        {
            var decoded = A64Decoder.Decode(word, Pc);
            return decoded.Op != A64Op.Undecoded && (decoded.Op != A64Op.Unknown || (uint)decoded.Imm == word);
        }, iter: 200_000);
    }

    [Fact]
    public void Logical_immediates_are_rotated_replicated_runs_of_ones()
    {
        for (uint n = 0; n <= 1; n++)
        {
            for (uint immr = 0; immr < 64; immr++)
            {
                for (uint imms = 0; imms < 64; imms++)
                {
                    if (!A64Decoder.DecodeBitMasks(n, imms, immr, true, 64, out var mask, out _))
                    {
                        continue;
                    }
                    Assert.NotEqual(0UL, mask);
                    Assert.NotEqual(ulong.MaxValue, mask);
                    // The element size is the period of the pattern; within one element the ones form one rotated run.
                    var esize = Enumerable.Range(1, 6).Select(k => 1 << k).First(e => e == 64 || (mask == ((mask >> e) | (mask << (64 - e)))));
                    var element = esize == 64 ? mask : mask & ((1UL << esize) - 1);
                    var ones = System.Numerics.BitOperations.PopCount(element);
                    var run = esize == 64 ? ulong.MaxValue >> (64 - ones) : (1UL << ones) - 1;
                    var rotations = Enumerable.Range(0, esize).Select(r => esize == 64
                        ? System.Numerics.BitOperations.RotateRight(run, r)
                        : ((run >> r) | (run << (esize - r))) & ((1UL << esize) - 1));
                    Assert.Contains(element, rotations);
                }
            }
        }
        Assert.False(A64Decoder.DecodeBitMasks(0, 0x3F, 0, true, 64, out _, out _)); // all-ones element: reserved
        Assert.True(A64Decoder.DecodeBitMasks(1, 0x07, 0, true, 64, out var low, out _));
        Assert.Equal(0xFFUL, low);
    }
}
