using Popcorn.Tests.Corpus;

namespace Popcorn.Tests.Emulation;

/// <summary><c>popcorn run</c> as a user runs it: the program's streams and exit code, popcorn's messages apart.</summary>
[Integration]
public sealed class RunCommandTests
{
    [Fact(Timeout = 120_000)]
    public async Task A_fault_exits_128_plus_the_signal_with_the_message_on_stderr_not_stdout()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var elf = await GuestPrograms.BuildFreestandingAsync("faults", cancellationToken);
        var (code, stdout, stderr) = await ChildProcess.RunDotnetAsync("Popcorn.Cli", ["run", "--isa", "riscv64", elf, "--", "u"], cancellationToken);
        Assert.Equal(132, code);
        Assert.Equal("before", stdout.Trim());
        Assert.Contains("popcorn: illegal instruction 0x0000707f", stderr, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120_000)]
    public async Task The_exit_code_is_forwarded_and_log_takes_popcorns_messages()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var elf = await GuestPrograms.BuildFreestandingAsync("faults", cancellationToken);
        using var temp = new TempDirectory();
        var log = temp.Combine("popcorn.log");
        var (code, stdout, stderr) = await ChildProcess.RunDotnetAsync("Popcorn.Cli", ["run", elf, "--log", log, "--stats"], cancellationToken);
        Assert.Equal(37, code);
        Assert.Equal("before", stdout.Trim());
        Assert.Equal("", stderr.Trim());
        Assert.Contains("riscv64:", await File.ReadAllTextAsync(log, cancellationToken), StringComparison.Ordinal);
    }

    [Fact(Timeout = 120_000)]
    public async Task Standard_input_and_host_files_reach_the_guest_as_under_qemu()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var elf = await GuestPrograms.BuildFreestandingAsync("io", cancellationToken);
        using var temp = new TempDirectory();
        var file = temp.Combine("data.txt");
        await File.WriteAllTextAsync(file, "file contents\nsecond line\n", cancellationToken);
        var expected = await ChildProcess.RunAsync("qemu-riscv64", [elf, file], cancellationToken, standardInput: "hello, guest\n");
        var (code, stdout, _) = await ChildProcess.RunDotnetAsync("Popcorn.Cli", ["run", elf, "--", file], cancellationToken, standardInput: "hello, guest\n");
        Assert.Equal(0, expected.ExitCode);
        Assert.Equal(0, code);
        Assert.StartsWith("HELLO, GUEST\n", stdout, StringComparison.Ordinal);
        Assert.Equal(expected.Stdout, stdout);
    }

    /// <summary>Standard output into a pipe is fully buffered, as glibc makes it (isatty asks TCGETS, which only a
    /// terminal answers): a write(2) comes out before the printf calls around it, as natively. It was always
    /// line-buffered, so programs that mix the two printed in another order than the same program built for the
    /// host.</summary>
    [Fact(Timeout = 120_000)]
    public async Task Standard_output_into_a_pipe_is_fully_buffered_as_glibc_makes_it()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var temp = new TempDirectory("popcorn-run");
        var program = await CompileAsync(temp, "mixed", """
            #include <stdio.h>
            #include <unistd.h>
            int main(void) { printf("printf 1\n"); write(1, "write\n", 6); printf("printf 2 tty %d %d\n", isatty(1), isatty(42)); return 0; }
            """, cancellationToken);
        foreach (var isa in new[] { "aarch64", "riscv64" })
        {
            var (code, stdout, stderr) = await ChildProcess.RunDotnetAsync("Popcorn.Cli", ["run", "--isa", isa, program], cancellationToken);
            Assert.True(code == 0, stderr);
            Assert.Equal("write\nprintf 1\nprintf 2 tty 0 0\n", stdout);
        }
    }

    /// <summary>A stream open for update ("w+") that switches from writing to reading and back, with fseek and ftell
    /// between, as C allows: its buffer once held input and output alike, so ftell counted read-ahead as pending
    /// output and fclose wrote the input it had read back to the file (a 21-byte file grew to 42 and more).</summary>
    [Fact(Timeout = 120_000)]
    public async Task A_stream_open_for_update_reads_writes_and_seeks_as_glibc()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var temp = new TempDirectory("popcorn-run");
        var program = await CompileAsync(temp, "update", """
            #include <stdio.h>
            int main(int argc, char **argv) {
                FILE *f = fopen(argv[1], "w+");
                for (int i = 0; i < 3; i++) fprintf(f, "line %d\n", i);
                rewind(f);
                char line[64];
                fgets(line, sizeof line, f);
                printf("read %s", line);
                printf("tell %ld\n", ftell(f));
                fseek(f, 0, SEEK_CUR);
                fputs("LINE 1\n", f);
                printf("tell %ld\n", ftell(f));
                fseek(f, 0, SEEK_SET);
                while (fgets(line, sizeof line, f)) printf("then %s", line);
                fclose(f);
                f = fopen(argv[1], "r");
                fseek(f, 0, SEEK_END);
                printf("size %ld\n", ftell(f));
                fclose(f);
                return 0;
            }
            """, cancellationToken);
        foreach (var isa in new[] { "aarch64", "riscv64" })
        {
            var file = temp.Combine($"{isa}.txt");
            var (code, stdout, stderr) = await ChildProcess.RunDotnetAsync("Popcorn.Cli", ["run", "--isa", isa, program, "--", file], cancellationToken);
            Assert.True(code == 0, stderr);
            Assert.Equal("read line 0\ntell 7\ntell 14\nthen line 0\nthen LINE 1\nthen line 2\nsize 21\n", stdout);
            Assert.Equal("line 0\nLINE 1\nline 2\n", await File.ReadAllTextAsync(file, cancellationToken));
        }
    }

    /// <summary>scanf reads standard input through the stream's buffer on both nodes and leaves the character that
    /// ended a conversion for the next one; the corpus run (no input) sees only the end of file.</summary>
    [Theory(Timeout = 120_000)]
    [InlineData("aarch64")]
    [InlineData("riscv64")]
    public async Task Scanf_reads_numbers_from_standard_input_until_one_does_not_convert(string isa)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var binary = CorpusBuilds.Get("libc", 1).MultiIsaPath;
        var (code, stdout, stderr) = await ChildProcess.RunDotnetAsync("Popcorn.Cli", ["run", "--isa", isa, binary], cancellationToken,
            standardInput: "12\n -5 +16\n\t40 x7\n");
        Assert.True(code == 0, stderr);
        Assert.EndsWith("stdin 4 numbers, total 63, then not a number\n", stdout, StringComparison.Ordinal);
    }

    /// <summary>What a program says when it stops itself, as glibc says it: assert's message names the program,
    /// file, line and function (it named no program); abort runs a SIGABRT handler, then ends the process with 134
    /// without flushing the buffered output (glibc since 2.27); a handler installed with signal runs for raise;
    /// system has no shell to run (0 for NULL, -1 and ENOSYS for a command); getline reads a line longer than any
    /// buffer from standard input. popcorn's own messages go to the log, so standard error is the program's.</summary>
    [Theory(Timeout = 180_000)]
    [InlineData("aarch64")]
    [InlineData("riscv64")]
    public async Task Programs_that_stop_themselves_say_what_glibc_says(string isa)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var temp = new TempDirectory("popcorn-run");
        var program = await CompileAsync(temp, "stops", """
            #include <assert.h>
            #include <errno.h>
            #include <signal.h>
            #include <stdio.h>
            #include <stdlib.h>
            #include <string.h>
            static void on_abort(int signal) { fprintf(stderr, "handler %d\n", signal); }
            static void on_user(int signal) { printf("user signal %d\n", signal); }
            static int positive(int x) { assert(x > 0 && "must be positive"); return x; }
            int main(int argc, char **argv) {
                if (strcmp(argv[1], "assert") == 0) { printf("%d\n", positive(2)); fflush(stdout); positive(-1); }
                if (strcmp(argv[1], "abort") == 0) { signal(SIGABRT, on_abort); printf("buffered, never written\n"); abort(); }
                if (strcmp(argv[1], "signal") == 0) { signal(SIGUSR2, on_user); raise(SIGUSR2); return 3; }
                if (strcmp(argv[1], "system") == 0) { int none = system(NULL), run = system("ls"); printf("%d %d %s\n", none, run, strerror(errno)); }
                if (strcmp(argv[1], "getline") == 0) {
                    char *line = NULL; size_t capacity = 0; long n;
                    while ((n = getline(&line, &capacity, stdin)) > 0) printf("%ld %c%c\n", n, line[0], line[n - 2]);
                    free(line);
                }
                return 0;
            }
            """, cancellationToken);
        var log = temp.Combine("popcorn.log");
        async Task<(int Code, string Stdout, string Stderr)> Run(string mode, string? input = null) =>
            await ChildProcess.RunDotnetAsync("Popcorn.Cli", ["run", "--isa", isa, "--log", log, program, "--", mode], cancellationToken,
                workingDirectory: temp.Path, standardInput: input);

        var assertion = await Run("assert");
        Assert.Equal((134, "2\n", "stops: stops.c:9: positive: Assertion `x > 0 && \"must be positive\"' failed.\n"), assertion);
        Assert.Equal((134, "", "handler 6\n"), await Run("abort"));
        Assert.Equal((3, "user signal 12\n", ""), await Run("signal"));
        Assert.Equal((0, "0 -1 Function not implemented\n", ""), await Run("system"));
        var longLine = new string('x', 5000) + "y\n";
        Assert.Equal((0, "5002 xy\n3 ab\n", ""), await Run("getline", longLine + "ab\n"));
    }

    /// <summary>Writes <paramref name="source"/> as NAME.c in <paramref name="temp"/> and builds it with <c>popcorn cc</c>;
    /// returns the multi-ISA binary's path.</summary>
    private static async Task<string> CompileAsync(TempDirectory temp, string name, string source, CancellationToken cancellationToken)
    {
        CorpusBuilds.ConfigureRuntime();
        await File.WriteAllTextAsync(temp.Combine(name + ".c"), source, cancellationToken);
        var cc = await ChildProcess.RunDotnetAsync("Popcorn.Cli", ["cc", name + ".c", "-o", name], cancellationToken, workingDirectory: temp.Path);
        Assert.True(cc.ExitCode == 0, cc.Stderr);
        return temp.Combine(name);
    }
}
