using CsCheck;
using Systems.RiscV;

namespace Serval.Tests.RiscV;

public sealed class DecoderTests
{
    [Theory]
    [InlineData(0x00a58533u, "add\ta0,a1,a0")]
    [InlineData(0xfff10503u, "lb\ta0,-1(sp)")]
    [InlineData(0x00d13423u, "sd\ta3,8(sp)")]
    [InlineData(0x12345537u, "lui\ta0,0x12345")]
    [InlineData(0x03f59513u, "slli\ta0,a1,0x3f")]
    [InlineData(0x30529073u, "csrrw\tzero,mtvec,t0")]
    [InlineData(0x0cc5a52fu, "amoswap.w.aq\ta0,a2,(a1)")]
    [InlineData(0x30200073u, "mret")]
    [InlineData(0x68c59547u, "fmsub.s\tfa0,fa1,fa2,fa3,rtz")]
    public void Decodes_each_format_as_the_manual_lays_it_out(uint bits, string expected)
    {
        Assert.Equal(expected, Disassembler.Format(InstructionDecoder.Decode(bits), 0));
    }

    [Fact]
    public void Fields_of_a_branch_and_a_jump_are_sign_extended_offsets()
    {
        var beq = InstructionDecoder.Decode(0xfeb508e3u); // beq a0,a1,-16
        Assert.Equal((Opcode.Beq, (byte)10, (byte)11, -16L), (beq.Opcode, beq.Rs1, beq.Rs2, beq.Imm));
        var jal = InstructionDecoder.Decode(0xff9ff0efu); // jal ra,-8
        Assert.Equal((Opcode.Jal, (byte)1, -8L, 4), (jal.Opcode, jal.Rd, jal.Imm, (int)jal.Length));
    }

    [Theory]
    [InlineData(0x00000000u, 2)] // the all-zero parcel is defined illegal
    [InlineData(0x00008000u, 2)] // quadrant 0, funct3 100: reserved
    [InlineData(0xffffffffu, 4)]
    [InlineData(0x0000000bu, 4)] // custom-0
    [InlineData(0xfe000033u, 4)] // OP with an undefined funct7
    public void Bad_bits_give_an_illegal_instruction_naming_them(uint bits, int length)
    {
        var instruction = InstructionDecoder.Decode(bits);
        Assert.False(instruction.IsLegal);
        Assert.Equal(length, instruction.Length);
        Assert.Equal($"illegal\t0x{(length == 2 ? bits & 0xFFFF : bits):x}", Disassembler.Format(instruction, 0));
    }

    [Fact]
    public void Rv64_only_encodings_are_illegal_on_rv32()
    {
        Assert.Equal(Opcode.Ld, InstructionDecoder.Decode(0x00813503u).Opcode);
        Assert.False(InstructionDecoder.Decode(0x00813503u, Xlen.Rv32).IsLegal); // ld
        Assert.False(InstructionDecoder.Decode(0x03f59513u, Xlen.Rv32).IsLegal); // slli by 63
        Assert.Equal(Opcode.Addiw, InstructionDecoder.Decode(0x2505u).Opcode); // c.addiw a0,1 on RV64
        Assert.Equal(Opcode.Jal, InstructionDecoder.Decode(0x2505u, Xlen.Rv32).Opcode); // c.jal on RV32
        Assert.False(InstructionDecoder.Decode(0x0000u).IsLegal);
        Assert.False(InstructionDecoder.Decode(0x6101u & 0xEF83u).IsLegal); // c.addi16sp with zero immediate
    }

    [Fact]
    public void Any_word_decodes_without_throwing_and_prints()
    {
        Gen.UInt.Sample(bits =>
        {
            foreach (var xlen in (Xlen[])[Xlen.Rv32, Xlen.Rv64])
            {
                var instruction = InstructionDecoder.Decode(bits, xlen);
                Assert.InRange(instruction.Length, 2, 4);
                Assert.NotEmpty(Disassembler.Format(instruction, 0x8000_0000));
            }
        }, iter: 200_000);
    }

    [Fact]
    public void Decoding_from_bytes_reads_parcels_little_endian_and_reports_truncation()
    {
        byte[] code = [0x33, 0x85, 0xa5, 0x00, 0x82, 0x80];
        Assert.Equal(Opcode.Add, InstructionDecoder.Decode(code).Opcode);
        var ret = InstructionDecoder.Decode(code.AsSpan(4));
        Assert.Equal((Opcode.Jalr, (byte)0, (byte)1, 2), (ret.Opcode, ret.Rd, ret.Rs1, (int)ret.Length));
        Assert.Equal(0, InstructionDecoder.Decode(code.AsSpan(0, 3)).Length);
    }

    [Fact, Integration]
    public async Task Every_rv64g_instruction_prints_as_binutils_prints_it()
    {
        var token = TestContext.Current.CancellationToken;
        var source = await File.ReadAllTextAsync(RiscVTools.AssetPath("rv64-all.s"), token);
        var listing = await RiscVTools.AssembleAndListAsync(source, "rv64g_zicsr_zifencei", token);
        Assert.True(listing.Count > 150, $"only {listing.Count} instructions listed");
        var seen = new HashSet<Opcode>();
        foreach (var line in listing)
        {
            var instruction = InstructionDecoder.Decode(line.Bits);
            seen.Add(instruction.Opcode);
            Assert.Equal(RiscVTools.NormalizeTargets(line.Text), Disassembler.Format(instruction, line.Address));
        }
        var missing = Enum.GetValues<Opcode>().Where(o => o != Opcode.Illegal && !seen.Contains(o)).ToList();
        Assert.True(missing.Count == 0, "not covered: " + string.Join(", ", missing));
    }

    [Theory, Integration]
    [InlineData("rv64-compressed-pairs.txt", "rv64gc", Xlen.Rv64)]
    [InlineData("rv32-compressed-pairs.txt", "rv32gc", Xlen.Rv32)]
    public async Task Compressed_forms_expand_to_their_32_bit_equivalents(string pairsFile, string march, Xlen xlen)
    {
        var token = TestContext.Current.CancellationToken;
        var pairs = (await File.ReadAllLinesAsync(RiscVTools.AssetPath(pairsFile), token))
            .Where(l => l.Length > 0 && !l.StartsWith('#')).Select(l => l.Split('|')).ToList();
        var full = await RiscVTools.AssembleAndListAsync(string.Join('\n', pairs.Select(p => p[0])) + "\n", march.Replace("c", "", StringComparison.Ordinal), token);
        var compressed = await RiscVTools.AssembleAndListAsync(string.Join('\n', pairs.Select(p => p[1])) + "\n", march, token);
        Assert.Equal(pairs.Count, full.Count);
        Assert.Equal(pairs.Count, compressed.Count);
        for (var i = 0; i < pairs.Count; i++)
        {
            var expected = InstructionDecoder.Decode(full[i].Bits, xlen);
            var actual = InstructionDecoder.Decode(compressed[i].Bits, xlen);
            Assert.True(expected.IsLegal && actual.IsCompressed, pairs[i][1]);
            Assert.Equal(expected with { Length = 2, Bits = compressed[i].Bits }, actual);
        }
    }

    [Fact, Integration]
    public async Task Real_compiled_code_decodes_as_binutils_decodes_it()
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory("riscv-cc");
        var source = dir.Combine("program.c");
        await File.WriteAllTextAsync(source, """
            #include <stdatomic.h>
            double scale(double x, long n) { return x * (double)n / 3.0 + (float)n; }
            long mix(long a, unsigned long b, int c) { return (a / (c | 1)) ^ (long)(b % 7u) << (c & 31); }
            int bump(_Atomic int *p) { return atomic_fetch_add(p, 3) + atomic_exchange(p, 1); }
            long sum(const long *v, int n) { long s = 0; for (int i = 0; i < n; i++) s += v[i] * i; return s; }
            """, token);
        foreach (var march in (string[])["rv64g", "rv64gc"])
        {
            var output = dir.Combine(march + ".o");
            var compiled = await ChildProcess.RunAsync("riscv64-linux-gnu-gcc", ["-O2", $"-march={march}", "-c", "-o", output, source], token);
            Assert.True(compiled.ExitCode == 0, compiled.Stderr);
            var listing = await RiscVTools.ListAsync(output, token);
            Assert.NotEmpty(listing);
            foreach (var line in listing)
            {
                var instruction = InstructionDecoder.Decode(line.Bits);
                Assert.Equal(line.Length, instruction.Length);
                Assert.True(instruction.IsLegal, line.Text);
                if (!instruction.IsCompressed)
                {
                    Assert.Equal(RiscVTools.NormalizeTargets(line.Text), Disassembler.Format(instruction, line.Address));
                }
            }
        }
    }
}
