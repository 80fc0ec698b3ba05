using Popcorn.Tests.Corpus;
using Popcorn.Toolchain;

namespace Popcorn.Tests.Toolchain;

/// <summary><c>popcorn cc</c> as a user runs it: options, several sources, bad input and refusals.</summary>
public sealed class CcCommandTests
{
    public CcCommandTests() => CorpusBuilds.ConfigureRuntime();

    private static Task<(int ExitCode, string Stdout, string Stderr)> CcAsync(CancellationToken token, params string[] arguments) =>
        ChildProcess.RunDotnetAsync("Popcorn.Cli", ["cc", .. arguments], token);

    [Integration]
    [Fact(Timeout = 120_000)]
    public async Task Several_sources_with_defines_includes_and_libraries_build_and_run_on_both_isas()
    {
        var token = TestContext.Current.CancellationToken;
        using var temp = new TempDirectory("popcorn-cc");
        Directory.CreateDirectory(temp.Combine("inc"));
        await File.WriteAllTextAsync(temp.Combine("inc/shape.h"), "struct shape { double w, h; };\ndouble area(struct shape s);\ndouble total(int n, ...);\n", token);
        await File.WriteAllTextAsync(temp.Combine("shape.c"), """
            #include <stdarg.h>
            #include <shape.h>
            double area(struct shape s) { return s.w * s.h * SCALE; }
            double total(int n, ...) { va_list a; va_start(a, n); double t = 0; for (int i = 0; i < n; i++) t += area(va_arg(a, struct shape)); va_end(a); return t; }
            """, token);
        await File.WriteAllTextAsync(temp.Combine("main.c"), """
            #include <math.h>
            #include <stdio.h>
            #include <shape.h>
            _Thread_local int calls = 40;
            int main(void) {
                struct shape a = {2, 3}, b = {1.5, 4};
                calls += 2;
                printf("%s %.3f %.3f %d\n", GREETING, total(2, a, b), sqrt(area(a)), calls);
                return 7;
            }
            """, token);
        var output = temp.Combine("prog");
        var cc = await CcAsync(token, temp.Combine("main.c"), temp.Combine("shape.c"), "-O2", "-I", temp.Combine("inc"), "-D", "SCALE=2", "-D", "GREETING=\"hi\"",
            "-lm", "-lpthread", "-o", output);
        Assert.True(cc.ExitCode == 0, cc.Stderr);
        Assert.True(MultiIsaBinary.IsMultiIsaFile(output));
        foreach (var (qemu, isa) in new[] { ("qemu-aarch64", "aarch64"), ("qemu-riscv64", "riscv64") })
        {
            var run = await ChildProcess.RunAsync(qemu, [$"{output}.{isa}"], token);
            Assert.Equal(7, run.ExitCode);
            Assert.Equal("hi 24.000 3.464 42\n", run.Stdout);
        }
    }

    [Integration]
    [Fact(Timeout = 120_000)]
    public async Task A_compile_error_exits_2_with_clangs_message()
    {
        var token = TestContext.Current.CancellationToken;
        using var temp = new TempDirectory("popcorn-cc");
        await File.WriteAllTextAsync(temp.Combine("bad.c"), "int main(void) { return undefined_thing; }\n", token);
        var cc = await CcAsync(token, temp.Combine("bad.c"), "-o", temp.Combine("bad"));
        Assert.Equal(2, cc.ExitCode);
        Assert.Contains("use of undeclared identifier 'undefined_thing'", cc.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(temp.Combine("bad")));
    }

    [Integration]
    [Fact(Timeout = 120_000)]
    public async Task A_missing_source_exits_2_naming_it()
    {
        var token = TestContext.Current.CancellationToken;
        using var temp = new TempDirectory("popcorn-cc");
        var cc = await CcAsync(token, temp.Combine("nowhere.c"), "-o", temp.Combine("x"));
        Assert.Equal(2, cc.ExitCode);
        Assert.Contains("no such file", cc.Stderr, StringComparison.Ordinal);
        Assert.Contains("nowhere.c", cc.Stderr, StringComparison.Ordinal);
    }

    /// <summary>-O3, as a makefile passes it, builds as -O2; an option popcorn cc does not take is named as an
    /// option (it once read as a missing source file: "no such file: -O3").</summary>
    [Integration]
    [Fact(Timeout = 120_000)]
    public async Task O3_builds_as_O2_and_an_unknown_option_is_named()
    {
        var token = TestContext.Current.CancellationToken;
        using var temp = new TempDirectory("popcorn-cc");
        await File.WriteAllTextAsync(temp.Combine("sum.c"), """
            #include <stdio.h>
            int main(int argc, char **argv) { long s = 0; for (int i = 0; i < 100 * argc; i++) s += i * i; printf("%ld\n", s); return 0; }
            """, token);
        var unknown = await CcAsync(token, temp.Combine("sum.c"), "-fsanitize=address", "-o", temp.Combine("sum"));
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("unknown option -fsanitize=address", unknown.Stderr, StringComparison.Ordinal);
        var cc = await CcAsync(token, temp.Combine("sum.c"), "-O3", "-o", temp.Combine("sum"));
        Assert.True(cc.ExitCode == 0, cc.Stderr);
        var run = await ChildProcess.RunAsync("qemu-riscv64", [temp.Combine("sum") + ".riscv64"], token);
        Assert.Equal("328350\n", run.Stdout);
    }

    /// <summary>The options a makefile written for gcc or clang passes (they were refused as unknown): warnings and
    /// the C standard reach clang, so -Werror fails the build with clang's diagnostic and -std=c89 refuses a C99
    /// construct; -g, -pthread and -O are accepted.</summary>
    [Integration]
    [Fact(Timeout = 120_000)]
    public async Task Gcc_style_warning_standard_and_debug_options_are_taken_as_clang_takes_them()
    {
        var token = TestContext.Current.CancellationToken;
        using var temp = new TempDirectory("popcorn-cc");
        await File.WriteAllTextAsync(temp.Combine("warn.c"), """
            #include <stdio.h>
            int main(void) { int unused; for (int i = 0; i < 3; i++) printf("%d", i); printf("\n"); return 0; }
            """, token);
        var built = await CcAsync(token, temp.Combine("warn.c"), "-g", "-Wall", "-Wextra", "-std=c11", "-pedantic", "-pthread", "-O", "-o", temp.Combine("warn"));
        Assert.True(built.ExitCode == 0, built.Stderr);
        Assert.Contains("unused variable 'unused'", built.Stderr, StringComparison.Ordinal);
        var run = await ChildProcess.RunAsync("qemu-aarch64", [temp.Combine("warn") + ".aarch64"], token);
        Assert.Equal("012\n", run.Stdout);

        var werror = await CcAsync(token, temp.Combine("warn.c"), "-Wall", "-Werror", "-o", temp.Combine("werror"));
        Assert.Equal(2, werror.ExitCode);
        Assert.Contains("[-Werror,-Wunused-variable]", werror.Stderr, StringComparison.Ordinal);

        var c89 = await CcAsync(token, temp.Combine("warn.c"), "-std=c89", "-pedantic-errors", "-o", temp.Combine("c89"));
        Assert.Equal(2, c89.ExitCode);
        Assert.Contains("error:", c89.Stderr, StringComparison.Ordinal);

        var linker = await CcAsync(token, temp.Combine("warn.c"), "-Wl,--as-needed", "-o", temp.Combine("linker"));
        Assert.Equal(2, linker.ExitCode);
        Assert.Contains("unknown option -Wl,--as-needed", linker.Stderr, StringComparison.Ordinal);
    }

    [Integration]
    [Fact(Timeout = 120_000)]
    public async Task Isa_specific_code_is_refused_naming_the_function()
    {
        var token = TestContext.Current.CancellationToken;
        using var temp = new TempDirectory("popcorn-cc");
        await File.WriteAllTextAsync(temp.Combine("asm.c"), "void spin(void) { __asm__ volatile(\"nop\"); }\nint main(void) { spin(); return 0; }\n", token);
        var cc = await CcAsync(token, temp.Combine("asm.c"), "-o", temp.Combine("asm"));
        Assert.Equal(2, cc.ExitCode);
        Assert.Contains("function 'spin' uses inline assembly", cc.Stderr, StringComparison.Ordinal);
    }
}
