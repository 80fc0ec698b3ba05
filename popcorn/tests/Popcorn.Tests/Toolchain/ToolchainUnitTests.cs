using System.Buffers.Binary;
using Popcorn.Toolchain;

namespace Popcorn.Tests.Toolchain;

/// <summary>The toolchain's pure parts: IR rewriting, the link-map parser, the layout plan, the multi-ISA format.</summary>
public sealed class ToolchainUnitTests
{
    private const string Ir = """
        target datalayout = "e-m:e-i8:8:32-i16:16:32-i64:64-i128:128-n32:64-S128-Fn32"
        target triple = "aarch64-unknown-linux-gnu"
        @.str = private unnamed_addr constant [6 x i8] c"alpha\00", align 1
        @counter = internal unnamed_addr global i32 0, align 4
        define i64 @sum(i32 %n, ...) #0 {
          %ap = alloca %struct.__va_list, align 8
          %aq = alloca %struct.__va_list, align 8
          call void @llvm.va_start.p0(ptr nonnull %ap)
          call void @llvm.va_copy.p0(ptr nonnull %aq, ptr nonnull %ap)
          ret i64 0
        }
        attributes #0 = { nounwind "frame-pointer"="all" "target-cpu"="generic" "target-features"="+fp-armv8,+neon,+v8a" }
        !llvm.module.flags = !{!0}
        !0 = !{i32 1, !"wchar_size", i32 4}
        """;

    [Theory]
    [InlineData("-Wall", true)]
    [InlineData("-Wno-unused-parameter", true)]
    [InlineData("-Werror=format", true)]
    [InlineData("-w", true)]
    [InlineData("-pedantic-errors", true)]
    [InlineData("-std=c99", true)]
    [InlineData("-std=gnu11", true)]
    [InlineData("-std=c++17", false)]
    [InlineData("-std=gnu++20", false)]
    [InlineData("-W", false)]
    [InlineData("-Wl,--gc-sections", false)]
    [InlineData("-Wa,-mfoo", false)]
    [InlineData("-fPIC", false)]
    [InlineData("main.c", false)]
    public void Clang_options_are_warnings_and_c_standards_only(string option, bool taken) =>
        Assert.Equal(taken, CompileOptions.IsClangOption(option));

    [Fact]
    public void Normalize_gives_string_literals_and_internal_globals_their_own_unmergeable_objects()
    {
        var normalized = IrRetargeter.Normalize(Ir);
        Assert.Contains("@.str = internal constant [6 x i8]", normalized, StringComparison.Ordinal);
        Assert.Contains("@counter = internal global i32 0", normalized, StringComparison.Ordinal);
        Assert.DoesNotContain(" unnamed_addr", normalized, StringComparison.Ordinal);
    }

    [Fact]
    public void Retarget_leaves_the_ir_triple_alone_and_rewrites_triple_features_and_varargs_for_riscv64()
    {
        Assert.Equal(Ir, IrRetargeter.Retarget(Ir, TargetIsa.Aarch64));
        var riscv = IrRetargeter.Retarget(Ir, TargetIsa.Riscv64);
        Assert.Contains("target triple = \"riscv64-unknown-linux-gnu\"", riscv, StringComparison.Ordinal);
        Assert.Contains("target datalayout = \"e-m:e-p:64:64-i64:64-i128:128-n32:64-S128\"", riscv, StringComparison.Ordinal);
        Assert.DoesNotContain("target-cpu", riscv, StringComparison.Ordinal);
        Assert.Contains("\"target-features\"=\"+64bit,+a,+c,+d,+f,+m", riscv, StringComparison.Ordinal);
        // va_start fills __stack from riscv's pointer-sized va_list and zeroes both register offsets.
        Assert.Contains("call void @llvm.va_start.p0(ptr %pc.va.tmp.0)", riscv, StringComparison.Ordinal);
        Assert.Contains("store ptr %pc.va.stack.0, ptr %ap", riscv, StringComparison.Ordinal);
        Assert.Contains("getelementptr inbounds i8, ptr %ap, i64 24", riscv, StringComparison.Ordinal);
        // va_copy copies the whole 32-byte aarch64 va_list.
        Assert.DoesNotContain("llvm.va_copy", riscv.Replace("declare void @llvm.va_copy", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("getelementptr inbounds i8, ptr %ap, i64 24\n", riscv, StringComparison.Ordinal);
        Assert.Contains("%pc.vc.v0.3 = load i64", riscv, StringComparison.Ordinal);
        Assert.Contains("!llvm.module.flags = !{!0, !1}", riscv, StringComparison.Ordinal);
        Assert.Contains("!1 = !{i32 8, !\"SmallDataLimit\", i32 0}", riscv, StringComparison.Ordinal);
    }

    [Fact]
    public void Migration_points_read_the_flag_through_each_isas_reserved_register_and_a_short_leaf_returns_through_a_first_slot()
    {
        using var temp = new TempDirectory("popcorn-points");
        File.WriteAllText(temp.Combine("in.ll"), """
            target datalayout = "e-m:e-i8:8:32-i16:16:32-i64:64-i128:128-n32:64-S128-Fn32"
            target triple = "aarch64-unknown-linux-gnu"
            define internal double @scale(ptr %x, double %by) {
              %v = load double, ptr %x, align 8
              %r = fmul double %v, %by
              ret double %r
            }
            define i32 @main(i32 %n) {
              %slot = alloca double, align 8
              store double 1.5, ptr %slot, align 8
              %d = call double @scale(ptr %slot, double 2.0)
              %i = fptosi double %d to i32
              %s = add i32 %i, %n
              ret i32 %s
            }
            """);
        MigrationInstrumenter.Instrument(temp.Combine("in.ll"), temp.Combine("out.ll"), MigrationPoints.Functions);
        var ir = File.ReadAllText(temp.Combine("out.ll"));

        // Two points in main (entry and exit), one in the short leaf (its exit), each reading x28.
        Assert.Equal(3, ir.Split("call i64 @llvm.read_register.i64(metadata !").Length - 1);
        Assert.Contains("!{!\"x28\"}", ir, StringComparison.Ordinal);
        var scale = ir[ir.IndexOf("define internal double @scale", StringComparison.Ordinal)..];
        var entry = scale[(scale.IndexOf('\n', StringComparison.Ordinal) + 1)..].Split('\n').First(l => l.StartsWith("  ", StringComparison.Ordinal));
        Assert.Matches(@"^  %\S+ = alloca double", entry);
        Assert.Contains("phi double", scale[..scale.IndexOf("\n}", StringComparison.Ordinal)], StringComparison.Ordinal);

        var riscv = IrRetargeter.Retarget(ir, TargetIsa.Riscv64);
        Assert.Contains("!{!\"gp\"}", riscv, StringComparison.Ordinal);
        Assert.DoesNotContain("!{!\"x28\"}", riscv, StringComparison.Ordinal);
        File.WriteAllText(temp.Combine("out.riscv64.ll"), riscv);
        foreach (var (isa, file, load) in new[] { (TargetIsa.Aarch64, "out.ll", "[x28]"), (TargetIsa.Riscv64, "out.riscv64.ll", "0(gp)") })
        {
            var assembly = temp.Combine($"{isa.Name()}.s");
            ToolRunner.Run(Tools.Llc, ["-O1", $"-mtriple={isa.Triple()}", .. isa.LlcOptions(), .. Tools.LlcOptions(0).Where(o => !o.StartsWith("-filetype", StringComparison.Ordinal)), "-filetype=asm", temp.Combine(file), "-o", assembly]);
            var text = File.ReadAllText(assembly);
            Assert.Equal(3, text.Split(load).Length - 1);
            // No code but the points touches the reserved register.
            Assert.Equal(3, text.Split(isa == TargetIsa.Aarch64 ? "x28" : "gp").Length - 1);
        }
    }

    [Fact]
    public void The_ir_check_refuses_isa_intrinsics_and_foreign_floating_point_naming_the_function()
    {
        var intrinsic = Assert.Throws<CompileException>(() => LayoutCheck.CheckIr("define void @f() {\n  call void @llvm.aarch64.isb(i32 15)\n  ret void\n}\n"));
        Assert.Contains("function 'f'", intrinsic.Message, StringComparison.Ordinal);
        Assert.Contains("@llvm.aarch64.isb", intrinsic.Message, StringComparison.Ordinal);
        var x87 = Assert.Throws<CompileException>(() => LayoutCheck.CheckIr("define x86_fp80 @g() {\n  ret x86_fp80 0xK00000000000000000000\n}\n"));
        Assert.Contains("x86_fp80", x87.Message, StringComparison.Ordinal);
        LayoutCheck.CheckIr(IrRetargeter.Normalize(Ir));
    }

    [Fact]
    public void The_link_map_parser_reads_objects_and_archive_members()
    {
        const string Map = """
                         VMA              LMA     Size Align Out     In      Symbol
                      400000           400000      2c4     4 .text
                      400000           400000       30     4         /tmp/w/aarch64/pc-user.o:(.text.main)
                      400000           400000        0     1                 main
                      400030           400030      120     8         /usr/lib/gcc-cross/aarch64-linux-gnu/12/libgcc.a(_udivdi3.o):(.text)
                      410000           410000       28     8 .eh_frame
                      410000           410000       28     1         /tmp/w/aarch64/pc-user.o:(.eh_frame+0x0)
            """;
        var sections = LinkMap.Parse(Map.Replace("\r", "", StringComparison.Ordinal));
        Assert.Equal(3, sections.Count);
        Assert.Equal(("pc-user.o", ".text.main", 0x30ul, 4ul, ".text"), (sections[0].FileName, sections[0].Name, sections[0].Size, sections[0].Alignment, sections[0].OutputSection));
        Assert.Equal("*pc-user.o", sections[0].ScriptPattern);
        Assert.True(sections[1].IsArchiveMember);
        Assert.Equal("libgcc.a(_udivdi3.o)", sections[1].FileName);
        Assert.Equal("*libgcc.a:_udivdi3.o", sections[1].ScriptPattern);
        Assert.Equal(".eh_frame", sections[2].Name);
    }

    [Fact]
    public void The_plan_pads_common_sections_to_the_larger_size_and_keeps_isa_only_ranges_apart()
    {
        static LinkMapSection S(string file, string name, ulong size, ulong align) => new(file, name, ".text", 0, size, align);
        var maps = new Dictionary<TargetIsa, IReadOnlyList<LinkMapSection>>
        {
            [TargetIsa.Aarch64] = [S("/a/pc-user.o", ".text.main", 0x30, 4), S("/a/pc-user.o", ".text.f", 0x10, 4), S("/a/pc-user.o", ".rodata.cst8", 0x8, 8)],
            [TargetIsa.Riscv64] = [S("/r/pc-user.o", ".text.main", 0x22, 2), S("/r/pc-user.o", ".text.f", 0x40, 2), S("/r/pc-user.o", ".rodata.cst16", 0x10, 16)],
        };
        var scripts = LayoutPlanner.Plan(maps);
        foreach (var script in scripts.Values)
        {
            Assert.Contains(". = ADDR(.text) + 0x0;\n    *pc-user.o(.text.main)", script, StringComparison.Ordinal);
            Assert.Contains(". = ADDR(.text) + 0x30;\n    *pc-user.o(.text.f)", script, StringComparison.Ordinal);
        }
        // The constant pools exist on one ISA each: aarch64's starts after the common 0x70 bytes, riscv64's after aarch64's.
        Assert.Contains(". = ADDR(.rodata) + 0x0;\n    *(.rodata", scripts[TargetIsa.Aarch64], StringComparison.Ordinal);
        Assert.Contains(". = ADDR(.rodata) + 0x10;\n    *(.rodata", scripts[TargetIsa.Riscv64], StringComparison.Ordinal);
        Assert.Contains(". = ADDR(.text) + 0x70;\n    *(.text .text.*)", scripts[TargetIsa.Aarch64], StringComparison.Ordinal);
    }

    [Fact]
    public void The_multi_isa_format_round_trips_and_rejects_other_files_naming_them()
    {
        using var temp = new TempDirectory("popcorn-multi");
        var images = new Dictionary<TargetIsa, byte[]> { [TargetIsa.Aarch64] = [1, 2, 3], [TargetIsa.Riscv64] = [9, 8, 7, 6, 5] };
        var path = temp.Combine("prog");
        new MultiIsaBinary(images).Write(path);
        var bytes = File.ReadAllBytes(path);
        Assert.Equal("POPCORN\0"u8.ToArray(), bytes[..8]);
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)));
        Assert.Equal(4096ul, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(16 + 16)));
        var read = MultiIsaBinary.Read(path);
        Assert.Equal(images[TargetIsa.Aarch64], read.Image(TargetIsa.Aarch64).ToArray());
        Assert.Equal(images[TargetIsa.Riscv64], read.Image(TargetIsa.Riscv64).ToArray());

        File.WriteAllBytes(temp.Combine("elf"), [0x7f, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        Assert.False(MultiIsaBinary.IsMultiIsaFile(temp.Combine("elf")));
        var notOurs = Assert.Throws<InvalidDataException>(() => MultiIsaBinary.Read(temp.Combine("elf")));
        Assert.Contains("elf", notOurs.Message, StringComparison.Ordinal);
        var truncated = Assert.Throws<InvalidDataException>(() => MultiIsaBinary.Parse(bytes.AsSpan(0, 4100), "cut"));
        Assert.Contains("cut", truncated.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_targets_agree_on_every_primitive_size_and_alignment() => LayoutCheck.CheckTargets();
}
