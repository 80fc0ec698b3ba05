using System.Globalization;
using Popcorn.Emulation;
using Popcorn.Migration;
using Popcorn.Tests.Corpus;
using Popcorn.Toolchain;

namespace Popcorn.Tests.Migration;

/// <summary>
/// Threads migrate between the aarch64 and riscv64 nodes while they run and print exactly what an unmigrated run
/// prints. Every corpus program migrates at seeded random migration points in the default tier (each at one
/// optimization level); <see cref="Every_sample_at_every_level_survives_many_seeds"/> widens it. A failing seed is
/// in the assertion message; <c>POPCORN_MIGRATION_SEED</c> replays it.
/// </summary>
public sealed class MigrationTests
{
    private static readonly string[] SamplesInTests = ["arith", "funcptr", "libc", "malloc_heavy", "npb_cg", "npb_ep", "npb_is", "posix", "recursion", "strings", "structs", "threads", "varargs"];

    /// <summary>Each program once, with a policy and level this tier checks (seeded random points at -O0; every
    /// 50,000 instructions at -O1).</summary>
    public static TheoryData<string, int> DefaultTier => new()
    {
        { "funcptr", 0 }, { "npb_cg", 0 }, { "npb_ep", 0 }, { "npb_is", 0 }, { "recursion", 0 }, { "strings", 0 }, { "threads", 0 },
        { "arith", 1 }, { "malloc_heavy", 1 }, { "structs", 1 }, { "varargs", 1 },
    };

    public static TheoryData<string, int> Everything
    {
        get
        {
            var data = new TheoryData<string, int>();
            foreach (var sample in SamplesInTests)
            {
                foreach (var level in new[] { 0, 1, 2 })
                {
                    data.Add(sample, level);
                }
            }
            return data;
        }
    }

    [Integration]
    [Theory(Timeout = 300_000)]
    [MemberData(nameof(DefaultTier))]
    public Task Every_sample_prints_the_same_when_migrated(string sample, int level) => Task.Run(() =>
    {
        var build = CorpusBuilds.Get(sample, level);
        if (level == 0)
        {
            AssertMigratedRunMatches(build, new MigrationPolicy { RandomSeed = SeedFromEnvironment() ?? 5, Probability = 0.02 }, Isa.Aarch64);
        }
        else
        {
            AssertMigratedRunMatches(build, new MigrationPolicy { Every = 50_000 }, Isa.RiscV64);
        }
    }, TestContext.Current.CancellationToken);

    /// <summary>Seeds that once went wrong, each for its own reason: a large frame's base register that no stack map
    /// records (threads, malloc_heavy: LLVM's local stack slot allocation), riscv64's GOT taking aarch64's entries in
    /// the shared data (arith: libgcc's 128-bit division read __clz_tab through it), loop strength reduction's
    /// unrecorded induction variables (funcptr's qsort, strings, recursion's permutations at -O1 and -O2), a
    /// returned struct riscv64 passes through a hidden slot (structs: refused, precisely), the greedy register
    /// allocator's second copy of a value in a spill slot that the code after the call reads (strings at -O2).</summary>
    public static TheoryData<string, int, int, string> Regressions => new()
    {
        { "malloc_heavy", 0, 1, "aarch64" }, { "threads", 0, 2, "riscv64" }, { "arith", 0, 3, "aarch64" }, { "structs", 0, 2, "riscv64" },
        { "funcptr", 1, 1, "aarch64" }, { "strings", 1, 3, "aarch64" }, { "recursion", 2, 4, "riscv64" },
        { "strings", 2, 1, "aarch64" },
    };

    [Integration]
    [Theory(Timeout = 300_000)]
    [MemberData(nameof(Regressions))]
    public Task Seeds_that_once_failed_print_the_same(string sample, int level, int seed, string start) => Task.Run(() =>
        AssertMigratedRunMatches(CorpusBuilds.Get(sample, level), new MigrationPolicy { RandomSeed = seed, Probability = 0.02 }, IsaNames.Parse(start)!.Value),
        TestContext.Current.CancellationToken);

    [Slow]
    [Theory(Timeout = 1_800_000)]
    [MemberData(nameof(Everything))]
    public Task Every_sample_at_every_level_survives_many_seeds(string sample, int level) => Task.Run(() =>
    {
        var build = CorpusBuilds.Get(sample, level);
        foreach (var seed in Enumerable.Range(1, 6))
        {
            // Optimized programs inlined into a few functions reach few migration points: each seed raises the
            // probability until a migration happens, and every run on the way must print the same.
            var start = seed % 2 == 0 ? Isa.RiscV64 : Isa.Aarch64;
            var migrated = new[] { 0.02, 0.5, 1.0 }.Any(probability =>
                AssertRunMatches(build, new MigrationPolicy { RandomSeed = seed, Probability = probability }, start) > 0);
            Assert.True(migrated, $"no migration at any probability: popcorn run {build.Name} -O{build.OptimizationLevel} --start {start.Name()} --migrate-at-random {seed}");
        }
    }, TestContext.Current.CancellationToken);

    /// <summary>Thousands of migrations across the corpus: every sample at -O0, from each ISA, moving every 20,000
    /// instructions; each run prints what an unmigrated run prints and the suite's migrations are counted.</summary>
    [Slow]
    [Fact(Timeout = 3_600_000)]
    public Task The_corpus_survives_thousands_of_migrations_both_ways() => Task.Run(() =>
    {
        var total = 0;
        foreach (var sample in SamplesInTests)
        {
            var build = CorpusBuilds.Get(sample, 0);
            foreach (var start in Emulator.AvailableIsas)
            {
                var migrated = AssertRunMatches(build, new MigrationPolicy { Every = 20_000 }, start);
                Assert.True(migrated > 0, $"no migration; {Replay(build, new MigrationPolicy { Every = 20_000 }, start)}");
                total += migrated;
            }
        }
        Assert.True(total >= 2000, $"only {total} migrations across the corpus");
    }, TestContext.Current.CancellationToken);

    /// <summary>At -O2 the many values live across calls sit in callee-saved registers, saved by frames far below
    /// the migration; -O0 keeps them in stack slots.</summary>
    [Integration]
    [Theory(Timeout = 300_000)]
    [InlineData(0)]
    [InlineData(2)]
    public Task Explicit_api_migrates_back_and_forth_through_deep_stacks_pointers_functions_and_floats(int level) =>
        AssertExplicitApi(level, TestContext.Current.CancellationToken);

    [Slow]
    [Theory(Timeout = 300_000)]
    [InlineData(1)]
    public Task Explicit_api_migrates_back_and_forth_at_O1(int level) => AssertExplicitApi(level, TestContext.Current.CancellationToken);

    private static Task AssertExplicitApi(int level, CancellationToken cancellationToken) => Task.Run(() =>
    {
        var binary = BuildProgram("migration.c", level);
        foreach (var start in Emulator.AvailableIsas)
        {
            var (report, output) = Run(binary, start, new MigrationPolicy());
            Assert.Equal(0, report.Exit.ShellCode);
            var migrated = report.Migrations.Count(m => m.Refusal is null);
            Assert.StartsWith("nodes 1 1 0\ndescend 90131.000000\nchain 51472876\ntable 50105\npoint -77.500 -2.500 origin-+-+-+\n", output, StringComparison.Ordinal);
            Assert.EndsWith(string.Create(CultureInfo.InvariantCulture, $"migrations {migrated} arrivals {migrated}\n"), output, StringComparison.Ordinal);
            Assert.True(migrated >= 20, $"only {migrated} migrations at -O{level} from {start.Name()}");
            Assert.Contains(report.Migrations, m => m.From == Isa.Aarch64 && m.Refusal is null);
            Assert.Contains(report.Migrations, m => m.From == Isa.RiscV64 && m.Refusal is null);
            Assert.True(report.Migrations.Max(m => m.Frames) > 150, "the deep recursion migrated");
            Assert.All(report.Retired.Values, n => Assert.True(n > 1000));
        }
    }, cancellationToken);

    /// <summary>The runtime's printf engine with a sink that migrates at every piece of output, so __pc_format's
    /// frames (conversion buffers, pointers into them) move in the middle of conversions. At -O1 and -O2 the
    /// engine's padding helper keeps <c>flags &amp; FLAG_LEFT</c> in a callee-saved register across the sink call
    /// that no stack map records (a compare sunk past the call keeps its operand live); resuming there once
    /// printed padding on the wrong side. The machine-level liveness check refuses those call sites, naming
    /// them; everything else migrates.</summary>
    [Integration]
    [Theory(Timeout = 300_000)]
    [InlineData(0, "riscv64")]
    [InlineData(1, "riscv64")]
    [InlineData(1, "aarch64")]
    [InlineData(2, "riscv64")]
    public Task Migrating_inside_the_printf_engine_prints_what_an_unmigrated_run_prints(int level, string start) => Task.Run(() =>
    {
        var (report, output) = Run(BuildProgram("format_sink.c", level), IsaNames.Parse(start)!.Value, new MigrationPolicy());
        Assert.Equal(0, report.Exit.ShellCode);
        Assert.Equal(
            """
            68 [ -500|alpha |3.1416|-2.500000e-07|0xbeef00|a|  12345.68|+0|      0]
            68 [ -463|beta  |6.2832|-1.250000e-07|0xbeef01|b|  12346.68|-1|1000003]
            68 [ -426|gamma |9.4248|-8.333333e-08|0xbeef02|c|  12347.68|-2|4000012]
            69 [ -389|alpha |12.5664|-6.250000e-08|0xbeef03|d|  12348.68|-3|9000027]
            70 [ -352|beta  |15.7080|-5.000000e-08|0xbeef04|e|  12349.68|-4|16000048]
            70 [ -315|gamma |18.8496|-4.166667e-08|0xbeef05|f|  12350.68|-5|25000075]
            104 [0.333333333333333333333333333333|1.23456780000000000000e+04    |-0x1.5c72fb1552d836ef57d92ebc141ap-132]
            total 517

            """, output);
        var done = report.Migrations.Where(m => m.Refusal is null).ToList();
        Assert.True(done.Count >= 50, $"only {done.Count} migrations");
        Assert.Contains(done, m => m.From == Isa.Aarch64);
        Assert.Contains(done, m => m.From == Isa.RiscV64);
        Assert.True(done.Max(m => m.Frames) >= 5, "frames of the engine (__pc_format and its helpers) moved");
        // Refused: the call sites the liveness check names, and at -O0 a frame whose local is the caller's stack
        // slot of an incoming argument.
        Assert.All(report.Migrations.Where(m => m.Refusal is not null), m => Assert.True(
            m.Refusal!.Contains("no stack map records", StringComparison.Ordinal) || m.Refusal.Contains("lies outside its frame", StringComparison.Ordinal), m.Refusal));
    }, TestContext.Current.CancellationToken);

    [Integration]
    [Theory(Timeout = 300_000)]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public Task Long_doubles_live_across_calls_survive_migration_both_ways(int level) => Task.Run(() =>
    {
        var binary = BuildProgram("long_double.c", level);
        foreach (var start in Emulator.AvailableIsas)
        {
            var (report, output) = Run(binary, start, new MigrationPolicy());
            Assert.Equal(0, report.Exit.ShellCode);
            Assert.Equal("0 89.125000\n1 203.476562\n2 413.981771\n3 787.560547\n", output);
            Assert.Empty(report.Migrations.Where(m => m.Refusal is not null).Select(m => m.Refusal));
            Assert.Equal(4, report.Migrations.Count);
            Assert.True(report.Migrations.Min(m => m.Frames) >= 7, "the recursion's frames moved");
        }
    }, TestContext.Current.CancellationToken);

    /// <summary>32-bit integers live across calls while the thread migrates at every call: negative ints and
    /// unsigned ints with the top bit set, used afterwards as 64-bit values. A stack map records them as 4 bytes, but
    /// at -O1/-O2 the registers hold them extended the way the code before the call made them (aarch64 <c>ldrsw</c>
    /// sign-extends, riscv64 <c>lwu</c> zero-extends); writing them in each ISA's default form once printed wrong
    /// sums after migrations in both directions.</summary>
    [Integration]
    [Theory(Timeout = 300_000)]
    [InlineData(1)]
    [InlineData(2)]
    public Task Narrow_integers_keep_their_extension_across_migrations_both_ways(int level) => AssertNarrowIntegers(level, TestContext.Current.CancellationToken);

    [Slow]
    [Theory(Timeout = 300_000)]
    [InlineData(0)]
    public Task Narrow_integers_keep_their_extension_across_migrations_both_ways_at_O0(int level) => AssertNarrowIntegers(level, TestContext.Current.CancellationToken);

    private static Task AssertNarrowIntegers(int level, CancellationToken cancellationToken) => Task.Run(() =>
    {
        _ = AssertMigratesAtEveryHop("narrow_integers.c", level, 20,
            "0 -123456793 21474836475 4294967304\n1 1653656491 13399604975 4294967304\n2 6442450940 17117098411 64\n3 -8589934593 5669356827 4294967290\n");
    }, cancellationToken);

    /// <summary>The rounding mode fesetround chose and the flags an operation raised go with the thread: FPCR's
    /// RMode and FPSR's flags become frm and fflags and back (a migration once dropped them, so a division after
    /// fesetround(FE_UPWARD) rounded to nearest on the other node).</summary>
    [Integration]
    [Theory(Timeout = 300_000)]
    [InlineData(1)]
    public Task The_rounding_mode_and_exception_flags_follow_a_migrating_thread(int level) => Task.Run(() =>
    {
        _ = AssertMigratesAtEveryHop("fenv.c", level, 6,
            "1 0x1.5555555555556p-2\n1 0x1.5555555555555p-2\n1 0x1.5555555555555p-2\n1 0x1.5555555555555p-2\ndivbyzero 1, then cleared 0\n");
    }, TestContext.Current.CancellationToken);

    /// <summary>setjmp and longjmp on both nodes (out of a 200-frame recursion, a parser's error exits through a
    /// jmp_buf in a local struct, longjmp with 0), with migrations between the jumps: a jmp_buf in a migrating frame
    /// moves with it. A longjmp to a buffer setjmp filled on the other node stops the program naming why, instead of
    /// loading the other ISA's registers. (There was no setjmp.h.)</summary>
    [Integration]
    [Theory(Timeout = 300_000)]
    [InlineData(0)]
    [InlineData(2)]
    public Task Setjmp_and_longjmp_work_on_both_nodes_and_refuse_a_buffer_from_the_other(int level) => Task.Run(() =>
    {
        var binary = BuildProgram("setjmp.c", level);
        foreach (var start in Emulator.AvailableIsas)
        {
            var (report, output) = Run(binary, start, new MigrationPolicy());
            Assert.Equal(134, report.Exit.ShellCode);
            Assert.StartsWith("longjmp 10050 rounds 2 kept 5\nzero arrives as 1\n2+3*(4-1) = 11\n2+*3: error 1 at 2\n(1+2: error 2 at 5\n10-2-3 = 5\nhops 4\n",
                output, StringComparison.Ordinal);
            Assert.Contains("longjmp to a jmp_buf that setjmp filled on the other node", output, StringComparison.Ordinal);
            Assert.Equal(4, report.Migrations.Count(m => m.Refusal is null));
        }
    }, TestContext.Current.CancellationToken);

    /// <summary>Runs a program whose <c>hop()</c> migrates to the other node at each call, from each ISA: it prints
    /// <paramref name="expected"/>, every one of its <paramref name="migrations"/> migrations happens (none refused)
    /// and both directions occur; returns the reports.</summary>
    private static List<RunReport> AssertMigratesAtEveryHop(string file, int level, int migrations, string expected)
    {
        var binary = BuildProgram(file, level);
        var reports = new List<RunReport>();
        foreach (var start in Emulator.AvailableIsas)
        {
            var (report, output) = Run(binary, start, new MigrationPolicy());
            Assert.Equal(0, report.Exit.ShellCode);
            Assert.Equal(expected, output);
            Assert.Empty(report.Migrations.Where(m => m.Refusal is not null).Select(m => m.Refusal));
            Assert.Equal(migrations, report.Migrations.Count);
            Assert.Contains(report.Migrations, m => m.From == Isa.Aarch64);
            Assert.Contains(report.Migrations, m => m.From == Isa.RiscV64);
            reports.Add(report);
        }
        return reports;
    }

    /// <summary>npb_cg with every allocation through a function that migrates: aarch64 spills <c>n</c> (a 32-bit
    /// value) with an 8-byte store and reloads it whole after those calls (alone and in a load pair, through sp),
    /// while its stack map records 4 bytes through fp. Those 19 call sites of <c>main</c> at -O1 (18 at -O2) were
    /// refused until the record was widened to the reload (the check compared the two in different bases); every
    /// migration now happens, both ways, and the program prints what npb_cg prints unmigrated.</summary>
    [Integration]
    [Theory(Timeout = 300_000)]
    [InlineData(1)]
    public Task A_32_bit_value_reloaded_as_64_bits_migrates_at_every_call(int level) => AssertWidenedReloads(level, TestContext.Current.CancellationToken);

    [Slow]
    [Theory(Timeout = 300_000)]
    [InlineData(2)]
    public Task A_32_bit_value_reloaded_as_64_bits_migrates_at_every_call_at_O2(int level) => AssertWidenedReloads(level, TestContext.Current.CancellationToken);

    private static Task AssertWidenedReloads(int level, CancellationToken cancellationToken) => Task.Run(() =>
    {
        var expected = File.ReadAllText(Path.Combine(CorpusBuilds.RepositoryRoot, "popcorn", "samples", "expected", "npb_cg.out"));
        var reports = AssertMigratesAtEveryHop("cg_hops.c", level, 18, expected);
        Assert.All(reports, report => Assert.True(report.Migrations.Min(m => m.Frames) >= 4, "main's frame moved with each migration"));
    }, cancellationToken);

    /// <summary>Frames too big for one immediate offset (12 KB and 5 KB arrays: base registers computed from sp or fp,
    /// values and array elements read through them after calls) and a function with eight of its sixteen arguments on
    /// the stack migrate at every call, both ways. At -O0 riscv64's base register once looked lost after every
    /// compressed load through it (the check read the base field as a destination) and each migration was refused.
    /// An array declared before a dozen scalars once aborted llc for riscv64 at -O0 (every scalar then lay beyond
    /// the 12-bit offsets from fp, each needing a scratch register at every stack map); allocations are now laid out
    /// smallest first.</summary>
    [Integration]
    [Theory(Timeout = 300_000)]
    [InlineData(0)]
    public Task Large_frames_and_stack_arguments_migrate_both_ways(int level) => AssertLargeFrames(level, TestContext.Current.CancellationToken);

    [Slow]
    [Theory(Timeout = 300_000)]
    [InlineData(1)]
    [InlineData(2)]
    public Task Large_frames_and_stack_arguments_migrate_both_ways_optimized(int level) => AssertLargeFrames(level, TestContext.Current.CancellationToken);

    private static Task AssertLargeFrames(int level, CancellationToken cancellationToken) => Task.Run(() =>
    {
        var reports = AssertMigratesAtEveryHop("large_frames.c", level, 24,
            "big 162525\nmedium 5612\nmany 13194139531646\nscalars 4310\nbig 177115\nmedium 7283\nmany 13194139555626\nscalars 4940\n"
            + "big 191577\nmedium 7674\nmany 13194139579646\nscalars 5570\n");
        Assert.All(reports, report => Assert.True(report.Migrations.Max(m => m.StackBytes) > 12 * 1024, "the 12 KB frame moved"));
    }, cancellationToken);

    /// <summary>Three threads update shared counters with C11 atomics (weak compare-and-swap: LR/SC on riscv64,
    /// LDAXR/STLXR on aarch64; fetch-and-add) while they migrate at seeded random points, with quanta short enough
    /// that threads are switched out between a load and its swap: the totals stay exact and the swaps really failed
    /// and retried. With 11-instruction quanta every migration point trapping once kept aarch64's exclusive pairs
    /// apart forever (the run never ended) until a quantum ending inside a short reservation sequence ran on to its
    /// store.</summary>
    [Integration]
    [Theory(Timeout = 300_000)]
    [InlineData(1, 11, "aarch64")]
    [InlineData(1, 3, "riscv64")]
    public Task Atomic_updates_stay_exact_while_threads_migrate_between_their_loads_and_swaps(int level, long quantum, string start) => Task.Run(() =>
    {
        var policy = new MigrationPolicy { RandomSeed = 7, Probability = 0.05 };
        var (report, output) = Run(BuildProgram("atomics.c", level), IsaNames.Parse(start)!.Value, policy, quantum);
        Assert.Equal(0, report.Exit.ShellCode);
        var lines = output.Split('\n');
        Assert.Equal("total 5200 hits 1200", lines[0]);
        Assert.True(long.Parse(lines[1].Split(' ')[1], CultureInfo.InvariantCulture) > 100, $"too few failed swaps: {lines[1]}");
        var done = report.Migrations.Where(m => m.Refusal is null).ToList();
        Assert.True(done.Select(m => m.Thread).Distinct().Count() == 3, "every thread migrated");
        Assert.Contains(done, m => m.From == Isa.Aarch64);
        Assert.Contains(done, m => m.From == Isa.RiscV64);
        Assert.All(report.RetiredPerThread.Values, retired => Assert.All(retired.Values, n => Assert.True(n > 1000)));
    }, TestContext.Current.CancellationToken);

    [Integration]
    [Fact(Timeout = 300_000)]
    public Task Threads_run_on_different_nodes_at_once_and_a_seed_replays_exactly() => Task.Run(() =>
    {
        var build = CorpusBuilds.Get("threads", 0);
        var policy = new MigrationPolicy { RandomSeed = 5, Probability = 0.02 };
        var (first, output) = Run(build.MultiIsaPath, Isa.Aarch64, policy, quantum: 5000);
        Assert.Equal(build.ExpectedOutput, output);
        var movers = first.Migrations.Where(m => m.Refusal is null).Select(m => m.Thread).Distinct().Count();
        Assert.True(movers >= 2, $"only {movers} threads migrated");
        Assert.True(first.RetiredPerThread.Values.Count(r => r.Values.All(n => n > 0)) >= 2, "threads retired instructions on both ISAs");
        var (again, _) = Run(build.MultiIsaPath, Isa.Aarch64, policy, quantum: 5000);
        Assert.Equal(first.Migrations.Select(m => (m.Thread, m.AtInstruction, m.To)), again.Migrations.Select(m => (m.Thread, m.AtInstruction, m.To)));
        Assert.Equal(first.TotalRetired, again.TotalRetired);
    }, TestContext.Current.CancellationToken);

    /// <summary>threads at -O1 with every migration point firing: each consumer migrates at its entry, where
    /// the dequeued value's register (x20, s1) looked live across the loop's merged paths and the migration was
    /// refused (4 of 14 migrations); no path the branches allow reads it there (<c>MachineCode.Paths.cs</c>).</summary>
    [Integration]
    [Theory(Timeout = 300_000)]
    [InlineData("aarch64")]
    [InlineData("riscv64")]
    public Task Threads_at_O1_migrate_at_every_point_none_refused(string start) => Task.Run(() =>
    {
        var build = CorpusBuilds.Get("threads", 1);
        var policy = new MigrationPolicy { RandomSeed = 1, Probability = 1.0 };
        var (report, output) = Run(build.MultiIsaPath, IsaNames.Parse(start)!.Value, policy);
        Assert.Equal(build.ExpectedOutput, output);
        Assert.Empty(report.Migrations.Where(m => m.Refusal is not null).Select(m => m.Refusal));
        Assert.True(report.Migrations.Count >= 14, $"only {report.Migrations.Count} migrations");
        Assert.True(report.Migrations.Select(m => m.Thread).Distinct().Count() >= 5, "the main thread, both consumers and the workers migrated");
    }, TestContext.Current.CancellationToken);

    [Integration]
    [Fact(Timeout = 300_000)]
    public Task A_migration_is_refused_while_another_thread_holds_a_pointer_into_the_stack() => Task.Run(() =>
    {
        var binary = BuildProgram("shared_stack.c", 1);
        var (report, output) = Run(binary, Isa.RiscV64, new MigrationPolicy());
        Assert.Equal(0, report.Exit.ShellCode);
        Assert.Equal("while shared: -1\nafter join: 0 on 0\nsum 4950\n", output);
        var refused = Assert.Single(report.Migrations, m => m.Refusal is not null);
        Assert.Contains("pointer into the frames being rewritten", refused.Refusal, StringComparison.Ordinal);
        Assert.Contains(report.Migrations, m => m.Refusal is null && m.To == Isa.Aarch64);
    }, TestContext.Current.CancellationToken);

    [Integration]
    [Fact(Timeout = 300_000)]
    public Task Both_isas_record_the_same_call_sites_and_a_different_program_is_caught() => Task.Run(() =>
    {
        var build = CorpusBuilds.Get("recursion", 2);
        var tables = Emulator.AvailableIsas.ToDictionary(isa => isa, isa => CallSiteTable.Read(Emulator.LoadImage(build.MultiIsaPath, isa, isaChosen: true)));
        var report = StackMapValidator.Check(tables[Isa.Aarch64], tables[Isa.RiscV64]);
        Assert.Empty(report.Errors);
        Assert.True(report.CallSites > 100);
        var other = CallSiteTable.Read(Emulator.LoadImage(CorpusBuilds.Get("funcptr", 2).MultiIsaPath, Isa.RiscV64, isaChosen: true));
        var mismatch = StackMapValidator.Check(tables[Isa.Aarch64], other);
        Assert.Contains(mismatch.Errors, e => e.Contains(" call #", StringComparison.Ordinal));
    }, TestContext.Current.CancellationToken);

    /// <summary>The runtime is linked into every program: a frame of it that cannot be rewritten blocks migrations
    /// everywhere (stdio's write path at -O1 did, a value kept across its first calls outside the stack maps).</summary>
    [Integration]
    [Theory(Timeout = 300_000)]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public Task Every_frame_of_a_program_and_its_runtime_can_be_rewritten(int level) => Task.Run(() =>
    {
        var build = CorpusBuilds.Get("strings", level);
        var tables = Emulator.AvailableIsas.ToDictionary(isa => isa, isa => CallSiteTable.Read(Emulator.LoadImage(build.MultiIsaPath, isa, isaChosen: true)));
        var report = StackMapValidator.Check(tables[Isa.Aarch64], tables[Isa.RiscV64]);
        Assert.Empty(report.Errors);
        Assert.Empty(report.Warnings);
    }, TestContext.Current.CancellationToken);

    [Integration]
    [Theory(Timeout = 300_000)]
    [InlineData(0)]
    [InlineData(2)]
    public Task Loop_back_edge_points_let_a_thread_migrate_inside_a_loop_without_calls(int level) => Task.Run(() =>
    {
        var policy = new MigrationPolicy { Every = 100_000 };
        var plain = BuildProgram("loops.c", level);
        var (unmigrated, expected) = Run(plain, Isa.RiscV64, new MigrationPolicy());
        Assert.Equal(0, unmigrated.Exit.ShellCode);
        var (functionsOnly, _) = Run(plain, Isa.RiscV64, policy);
        Assert.True(functionsOnly.Migrations.Count <= 2, $"{functionsOnly.Migrations.Count} migrations without loop points");

        var (report, output) = Run(BuildProgram("loops.c", level, MigrationPoints.FunctionsAndLoops), Isa.RiscV64, policy);
        Assert.Equal(expected, output);
        var done = report.Migrations.Where(m => m.Refusal is null).ToList();
        Assert.True(done.Count >= 8, $"only {done.Count} migrations with loop points");
        Assert.Contains(done, m => m.From == Isa.Aarch64);
        Assert.Contains(done, m => m.From == Isa.RiscV64);
        Assert.All(report.Retired.Values, retired => Assert.True(retired > 200_000));
    }, TestContext.Current.CancellationToken);

    /// <summary>The command line's <c>--stats</c> report of a seeded migrating run: the migrations, frames,
    /// deepest stack and instructions on both ISAs it prints are real (a run that quietly never migrates fails),
    /// and the program prints what an unmigrated run prints.</summary>
    [Integration]
    [Fact(Timeout = 300_000)]
    public async Task Stats_of_a_seeded_migrating_run_show_migrations_frames_and_both_isas()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var build = CorpusBuilds.Get("recursion", 0);
        var (code, stdout, stderr) = await Systems.Testing.ChildProcess.RunDotnetAsync("Popcorn.Cli",
            ["run", build.MultiIsaPath, "--start", "riscv64", "--migrate-at-random", "3", "--migrate-probability", "0.02", "--stats"], cancellationToken);
        Assert.True(code == 0, stderr);
        Assert.Equal(build.ExpectedOutput, stdout);
        var stats = System.Text.RegularExpressions.Regex.Match(stderr,
            @"migrations: (\d+) \((\d+) refused\), frames rewritten (\d+), deepest stack moved (\d+) frames \((\d+) bytes\)");
        Assert.True(stats.Success, stderr);
        var (migrations, frames, deepest, bytes) = (long.Parse(stats.Groups[1].Value, CultureInfo.InvariantCulture), long.Parse(stats.Groups[3].Value, CultureInfo.InvariantCulture),
            long.Parse(stats.Groups[4].Value, CultureInfo.InvariantCulture), long.Parse(stats.Groups[5].Value, CultureInfo.InvariantCulture));
        Assert.True(migrations >= 100, $"only {migrations} migrations");
        Assert.True(frames > migrations * 3, $"{frames} frames in {migrations} migrations");
        Assert.True(deepest >= 10 && bytes > deepest * 16, $"deepest {deepest} frames, {bytes} bytes");
        foreach (var isa in Emulator.AvailableIsas)
        {
            var retired = System.Text.RegularExpressions.Regex.Match(stderr, $@"popcorn: {isa.Name()}: (\d+) instructions retired");
            Assert.True(retired.Success && long.Parse(retired.Groups[1].Value, CultureInfo.InvariantCulture) > 100_000, $"{isa.Name()}: {stderr}");
        }
        Assert.Matches(@"thread \d+: \d+ migrations, \d+ instructions on aarch64, \d+ instructions on riscv64", stderr);
    }

    [Fact]
    public void Schedule_files_parse_and_name_a_bad_line()
    {
        var schedule = MigrationPolicy.ParseSchedule("# thread instructions isa\n0 1000 riscv64\n2 50 aarch64 # worker\n");
        Assert.Equal([new ScheduledMigration(0, 1000, Isa.RiscV64), new ScheduledMigration(2, 50, Isa.Aarch64)], schedule);
        var error = Assert.Throws<FormatException>(() => MigrationPolicy.ParseSchedule("0 10 riscv64\n1 x86 5\n"));
        Assert.Contains("line 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Thread_pointers_convert_between_the_tls_conventions()
    {
        Assert.Equal(0x1010UL, StackTransformer.ConvertThreadPointer(0x1000, Isa.Aarch64, Isa.RiscV64, 16));
        Assert.Equal(0x1000UL, StackTransformer.ConvertThreadPointer(0x1010, Isa.RiscV64, Isa.Aarch64, 16));
        Assert.Equal(0x1040UL, StackTransformer.ConvertThreadPointer(0x1000, Isa.Aarch64, Isa.RiscV64, 64));
    }

    private static int? SeedFromEnvironment() =>
        int.TryParse(Environment.GetEnvironmentVariable("POPCORN_MIGRATION_SEED"), CultureInfo.InvariantCulture, out var seed) ? seed : null;

    private static void AssertMigratedRunMatches(CorpusBuild build, MigrationPolicy policy, Isa start) =>
        Assert.True(AssertRunMatches(build, policy, start) >= 1, $"no migration; {Replay(build, policy, start)}");

    /// <summary>Runs <paramref name="build"/> under <paramref name="policy"/>, asserts it prints what an unmigrated
    /// run prints and, when it migrated, that it started on <paramref name="start"/> and ran on both ISAs; returns the
    /// migrations performed.</summary>
    private static int AssertRunMatches(CorpusBuild build, MigrationPolicy policy, Isa start)
    {
        var (report, output) = Run(build.MultiIsaPath, start, policy);
        var replay = Replay(build, policy, start);
        Assert.True(report.Exit.ShellCode == 0, $"{report.Exit.Message}; {replay}");
        Assert.True(build.ExpectedOutput == output, $"output differs; {replay}");
        var done = report.Migrations.Where(m => m.Refusal is null).ToList();
        if (done.Count > 0)
        {
            Assert.Contains(done, m => m.From == start);
            Assert.All(Emulator.AvailableIsas, isa => Assert.True(report.Retired.GetValueOrDefault(isa) > 0, $"nothing ran on {isa.Name()}; {replay}"));
        }
        return done.Count;
    }

    private static string Replay(CorpusBuild build, MigrationPolicy policy, Isa start)
    {
        var how = policy.RandomSeed is { } seed ? $"--migrate-at-random {seed} --migrate-probability {policy.Probability}" : $"--migrate-every {policy.Every}";
        return $"replay: POPCORN_MIGRATION_SEED={policy.RandomSeed} (popcorn run {build.Name} -O{build.OptimizationLevel} --start {start.Name()} {how})";
    }

    internal static (RunReport Report, string Output) Run(string binary, Isa start, MigrationPolicy policy, long quantum = 100_000)
    {
        using var output = new MemoryStream();
        var options = new RunOptions { Arguments = [binary], Scheduler = new SchedulerOptions(quantum) };
        var report = Emulator.RunMigrating(binary, start, new GuestIo(null, output, output), options, policy, cancellationToken: TestContext.Current.CancellationToken);
        return (report, System.Text.Encoding.UTF8.GetString(output.ToArray()));
    }

    internal static string BuildProgram(string file, int level, MigrationPoints points = MigrationPoints.Functions)
    {
        CorpusBuilds.ConfigureRuntime();
        var source = Path.Combine(CorpusBuilds.RepositoryRoot, "popcorn", "tests", "Popcorn.Tests", "Migration", "Programs", file);
        var toolchain = Directory.GetFiles(Path.Combine(CorpusBuilds.RepositoryRoot, "popcorn", "src", "Popcorn", "Toolchain"), "*.cs").Order(StringComparer.Ordinal);
        var key = BuildCache.Hash([BuildCache.FileInput(source), .. RuntimeLibrary.HashInputs(), .. toolchain.Select(BuildCache.FileInput), $"O{level}", points.ToString()]);
        var directory = BuildCache.GetOrBuild("migration-tests", key, staging =>
            MultiIsaCompiler.Compile(new CompileOptions { Sources = [source], Output = Path.Combine(staging, "program"), OptimizationLevel = level, MigrationPoints = points }));
        return Path.Combine(directory, "program");
    }
}
