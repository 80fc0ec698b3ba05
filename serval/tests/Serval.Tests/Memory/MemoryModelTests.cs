using Serval.Binary;
using Serval.Memory;
using Serval.Symbolic;
using Serval.Verification;

namespace Serval.Tests.Memory;

/// <summary>Globals typed from DWARF, the structured model's typed cells, and the flat model, on real compiler output.</summary>
public sealed class MemoryModelTests
{
    private const string Globals = """
        struct pair { char tag; long value; };
        union word { unsigned int u; unsigned char b[4]; };
        typedef struct pair pair_t;
        pair_t table[3];
        const volatile short counters[2][5];
        union word scratch;
        unsigned long plain;
        void _start(void) { for (;;) { } }
        """;

    [Fact, Integration]
    public async Task Dwarf_types_lay_out_arrays_structs_unions_and_scalars()
    {
        var image = await CompileAsync(Globals, TestContext.Current.CancellationToken);

        var table = image.Globals["table"];
        Assert.Equal(image.Symbol("table").Address, table.Address);
        var array = Assert.IsType<ArrayType>(table.Type);
        Assert.Equal(3UL, array.Count);
        var pair = Assert.IsType<StructType>(array.Element);
        Assert.Equal(("struct pair", 16UL), (pair.Name, pair.Size));
        Assert.Equal([("tag", 0UL, 1UL), ("value", 8UL, 8UL)], pair.Fields.Select(f => (f.Name, f.Offset, f.Type.Size)));
        Assert.Equal("short int[5][2]", image.Globals["counters"].Type.Name);
        Assert.Equal(20UL, image.Globals["counters"].Type.Size);
        Assert.Equal(("union word", 4UL), (image.Globals["scratch"].Type.Name, image.Globals["scratch"].Type.Size));
        Assert.Equal(new ScalarType("long unsigned int", 8), image.Globals["plain"].Type);

        // Cells: per element a 1-byte tag, 7 padding bytes and an 8-byte value.
        var layout = new RegionLayout("table", table.Address, table.Type);
        Assert.Equal(3 * (1 + 7 + 1), layout.CellCount);
        Assert.Equal("table[2].value", layout.PathOf(40));
        Assert.Equal("table[1].tag", layout.PathOf(16));
        Assert.Equal(8, layout.SizeOf(layout.CellAt(40)));
        Assert.Equal("counters[1][2]", new RegionLayout("counters", 0, image.Globals["counters"].Type).PathOf(14));
    }

    [Fact]
    public void Structured_cells_follow_the_type_and_a_symbolic_index_is_a_choice_with_a_bounds_bug()
    {
        var pair = new StructType("struct pair", 16, [new("tag", 0, new ScalarType("char", 1)), new("value", 8, new ScalarType("long", 8))]);
        var layout = new RegionLayout("table", 0x1000, new ArrayType(pair, 3));
        var memory = new StructuredMemory([MemoryRegion.Symbolic(layout)], (_, _) => null);
        var faults = new List<MemoryFault>();
        var token = TestContext.Current.CancellationToken;

        // A byte store into a tag changes one 1-byte cell; an 8-byte load of a value reads one 8-byte cell.
        memory.Store(BitVec.Of(0x1010, 64), 1, BitVec.Of(0x41, 64), Bool.True, faults);
        Assert.Equal(0x41UL, memory.Read(0x1010, 1).Value);
        Assert.Equal(BitVec.Var("table[1].value", 64), memory.Read(0x1018));
        Assert.All(faults, f => Assert.True(f.Condition.IsFalse));

        // table[i].value for a symbolic i: a choice among the three, and i >= 3 is out of bounds.
        var i = BitVec.Var("i", 64);
        var value = memory.Load(BitVec.Of(0x1008, 64) + (i << 4), 8, faults);
        Assert.Equal(VerifyOutcome.Proved, Sym.Verify((i == 2UL).Implies(value == BitVec.Var("table[2].value", 64)), cancellationToken: token).Outcome);
        var outOfBounds = faults.Last(f => f.Message.Contains("not in bounds of table", StringComparison.Ordinal));
        Assert.Equal(Serval.Smt.SolverStatus.Unsat, Sym.Solve(outOfBounds.Condition & i.Ult(BitVec.Of(3, 64)), cancellationToken: token).Status);
        Assert.Equal(Serval.Smt.SolverStatus.Sat, Sym.Solve(outOfBounds.Condition & (i == 3UL), cancellationToken: token).Status);
    }

    [Fact]
    public void Flat_memory_is_byte_addressed_little_endian_and_serves_read_only_bytes_from_the_image()
    {
        var memory = new FlatMemory(Function.BitVecMap("bytes", 64, 8), (address, _) => address == 0x100 ? 0x0706050403020100UL : null);
        var faults = new List<MemoryFault>();
        memory.Store(BitVec.Of(0x2000, 64), 8, BitVec.Of(0x1122334455667788, 64), Bool.True, faults);
        Assert.Equal(0x5566UL, memory.Read(0x2002, 2).Value);
        Assert.Equal(0x0706050403020100UL, memory.Read(0x100).Value);
        memory.Store(BitVec.Of(0x100, 64), 1, BitVec.Of(0, 64), Bool.True, faults);
        Assert.Contains(faults, f => f.Condition.IsTrue && f.Message.Contains("read-only", StringComparison.Ordinal));

        // A store through a symbolic pointer may alias: a concrete load sees it exactly when the addresses meet.
        var p = BitVec.Var("p", 64);
        memory.Store(p, 1, BitVec.Of(0xAB, 64), Bool.True, faults);
        var loaded = memory.Read(0x2000, 1);
        Assert.Equal(VerifyOutcome.Proved, Sym.Verify((p == 0x2000UL).Implies(loaded == 0xABUL) & (p != 0x2000UL).Implies(loaded == 0x88UL),
            cancellationToken: TestContext.Current.CancellationToken).Outcome);
    }

    [Fact(Timeout = 120_000), Integration]
    public void The_monitor_under_flat_memory_proves_boot_and_change_user_and_refutes_the_lost_store()
    {
        var token = TestContext.Current.CancellationToken;
        using var cache = new TempDirectory("toymon-flat");
        var sources = RepositoryPaths.Combine("serval", "samples", "toymon");
        var good = new Verification.Toymon(ElfImage.Load(ToymonBuild.Build(sources, Compiler.Gcc, 0, InjectedBug.None, cache.Path)), MemoryModel.Flat);
        var proved = Verifier.Run(good.Image, [.. good.Checks().Where(c => c.Name is "boot invariants" or "change_user refinement")],
            new VerifierOptions(2, null), token);
        Assert.All(proved, r => Assert.True(r.Outcome == VerifyOutcome.Proved, $"{r.Name}: {r.Report}"));

        var lost = new Verification.Toymon(ElfImage.Load(ToymonBuild.Build(sources, Compiler.Gcc, 0, InjectedBug.LostStore, cache.Path)), MemoryModel.Flat);
        var refuted = Assert.Single(Verifier.Run(lost.Image, [.. lost.Checks().Where(c => c.Name == "dict_set refinement")],
            new VerifierOptions(1, null), token));
        Assert.Equal(VerifyOutcome.Counterexample, refuted.Outcome);
        Assert.True(refuted.Confirmed, refuted.Report);
        Assert.Contains("specification:  ", refuted.Report, StringComparison.Ordinal);
    }

    [Fact(Timeout = 600_000), Slow]
    public void The_monitor_under_flat_memory_proves_every_check_and_refutes_each_exercise()
    {
        var token = TestContext.Current.CancellationToken;
        using var cache = new TempDirectory("toymon-flat-all");
        var sources = RepositoryPaths.Combine("serval", "samples", "toymon");
        foreach (var bug in Enum.GetValues<InjectedBug>())
        {
            var monitor = new Verification.Toymon(ElfImage.Load(ToymonBuild.Build(sources, Compiler.Gcc, 0, bug, cache.Path)), MemoryModel.Flat);
            var results = Verifier.Run(monitor.Image, monitor.Checks(), new VerifierOptions(2, null), token);
            if (bug == InjectedBug.None)
            {
                Assert.All(results, r => Assert.True(r.Outcome == VerifyOutcome.Proved, $"{r.Name}: {r.Report}"));
            }
            else
            {
                Assert.Contains(results, r => r.Outcome == VerifyOutcome.Counterexample && r.Confirmed);
                Assert.DoesNotContain(results, r => r.Outcome == VerifyOutcome.Unknown);
            }
        }
    }

    private static async Task<ElfImage> CompileAsync(string source, CancellationToken token)
    {
        using var dir = new TempDirectory("dwarf-types");
        await File.WriteAllTextAsync(dir.Combine("globals.c"), source, token);
        var compiled = await ChildProcess.RunAsync("riscv64-linux-gnu-gcc",
            ["-march=rv64ima_zicsr", "-mabi=lp64", "-nostdlib", "-static", "-g", "-gdwarf-4", "-O0", "-o", dir.Combine("globals.elf"), dir.Combine("globals.c")], token);
        Assert.True(compiled.ExitCode == 0, compiled.Stderr);
        return ElfImage.Load(dir.Combine("globals.elf"));
    }
}
