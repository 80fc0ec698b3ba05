using System.Net;
using System.Net.Sockets;

namespace Derecho.Tests;

public sealed class CliTests() : CliConventionTests("Derecho.Cli", "derecho");

/// <summary>The parse errors every CLI of the project prints through <see cref="Systems.Cli.CommandHost"/>.</summary>
public sealed class CommandHostTests
{
    private enum Isa
    {
        Aarch64,
        RiscV64,
    }

    [Theory]
    [InlineData("--count abc", "--count 'abc' is not a whole number")]
    [InlineData("--port -1", "--port '-1' is not a whole number of at least 0")]
    [InlineData("--rate fast", "--rate 'fast' is not a number")]
    [InlineData("--isa sparc", "--isa 'sparc' is not one of aarch64, riscv64")]
    [InlineData("--count 1 seven", "VERSION 'seven' is not a whole number")]
    public async Task A_value_that_does_not_convert_names_its_option_or_argument_and_what_it_takes(string line, string expected)
    {
        var root = Systems.Cli.CommandHost.CreateRoot("tool", "A tool.");
        root.Options.Add(new System.CommandLine.Option<long>("--count"));
        root.Options.Add(new System.CommandLine.Option<ushort>("--port"));
        root.Options.Add(new System.CommandLine.Option<double?>("--rate"));
        root.Options.Add(new System.CommandLine.Option<Isa>("--isa"));
        root.Arguments.Add(new System.CommandLine.Argument<long?>("VERSION") { Arity = System.CommandLine.ArgumentArity.ZeroOrOne });
        root.SetAction(_ => 0);
        var error = new StringWriter();
        var code = await Systems.Cli.CommandHost.RunAsync(root, line.Split(' '), TextWriter.Null, error);
        Assert.Equal(2, code);
        Assert.Equal($"tool: {expected}", error.ToString().Split('\n')[0].TrimEnd());
        Assert.DoesNotContain("System.", error.ToString(), StringComparison.Ordinal);
    }
}

public sealed class NodeCommandTests
{
    [Theory]
    [InlineData("--DERECHO/no_such_key=1", "no_such_key")]
    [InlineData("--DERECHO/gms_port=http", "gms_port")]
    [InlineData("--DERECHO/local_id", "--DERECHO/local_id")]
    public async Task Bad_configuration_exits_2_naming_the_key(string token, string named)
    {
        var (code, stdout, stderr) = await ChildProcess.RunDotnetAsync("Derecho.Cli", ["node", token], TestContext.Current.CancellationToken);
        Assert.Equal(2, code);
        Assert.StartsWith("derecho:", stderr, StringComparison.Ordinal);
        Assert.Contains(named, stderr, StringComparison.Ordinal);
        Assert.Equal("", stdout);
    }

    /// <summary>
    /// A bad option value exits 2 naming the option, not a .NET type, and before anything starts (demo: a count in
    /// the thousands used to exhaust the host and abort with exit 134, a bad --seconds failed only once the members ran).
    /// </summary>
    [Theory]
    [InlineData("kv get", "--timeout", "0", "--timeout must be positive")]
    [InlineData("kv get", "--timeout", "-5", "--timeout must be positive")]
    [InlineData("kv get", "--timeout", "100000", "at most a day")]
    [InlineData("kv get", "--version", "abc", "--version 'abc' is not a version")]
    [InlineData("demo", "--members", "2", "--members must be between 3 and 16, not 2")]
    [InlineData("demo", "--members", "100000", "--members must be between 3 and 16, not 100000")]
    [InlineData("demo", "--seconds", "-1", "--seconds must be between 0 and 3600, not -1")]
    [InlineData("demo", "--seconds", "NaN", "--seconds must be between 0 and 3600, not NaN")]
    [InlineData("node", "--send", "abc", "--send 'abc' is not a whole number")]
    public async Task A_bad_option_value_exits_2_naming_the_option(string command, string option, string value, string expected)
    {
        string[] arguments = command == "kv get" ? ["kv", "get", "--contact", "127.0.0.1:1", "key"] : [command];
        var (code, stdout, stderr) = await ChildProcess.RunDotnetAsync("Derecho.Cli", [.. arguments, option, value], TestContext.Current.CancellationToken);
        Assert.True((2, "") == (code, stdout), $"exit {code}, out '{stdout}', err '{stderr}'");
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Malformed_configuration_file_exits_2_naming_file_and_line()
    {
        using var dir = new TempDirectory("derecho-cli");
        var path = dir.Combine("derecho.cfg");
        await File.WriteAllTextAsync(path, "[DERECHO]\nlocal_id = 1\nthis is not a setting\n", TestContext.Current.CancellationToken);
        var (code, _, stderr) = await ChildProcess.RunDotnetAsync("Derecho.Cli", ["node", "--config", path], TestContext.Current.CancellationToken);
        Assert.Equal(2, code);
        Assert.Contains("derecho.cfg:3", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unused_derecho_keys_are_warned_about_and_the_member_starts()
    {
        var ct = TestContext.Current.CancellationToken;
        var ports = FreePort.Next(2);
        await using var member = ChildProcess.StartDotnet("Derecho.Cli",
            ["node", "--RDMA/provider=verbs", "--DERECHO/local_id=0", $"--DERECHO/gms_port={ports[0]}", $"--DERECHO/sst_port={ports[1]}", $"--DERECHO/contact_port={ports[0]}"]);
        var view = await member.WaitForLineAsync(l => l.StartsWith("view ", StringComparison.Ordinal), ct);
        Assert.Equal("view 0 members 0 leader 0", view);
        Assert.Contains("RDMA/provider", member.StandardError, StringComparison.Ordinal);
    }

    [Theory(Timeout = 60_000)]
    [InlineData("node", "gms_port")]
    [InlineData("node", "sst_port")]
    [InlineData("kv serve", "gms_port")]
    [InlineData("kv serve", "sst_port")]
    public async Task A_port_in_use_exits_2_naming_the_key_without_a_stack_trace(string command, string key)
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var busy = ((IPEndPoint)taken.LocalEndpoint).Port;
        var ports = FreePort.Next(2);
        var gms = key == "gms_port" ? busy : ports[0];
        var sst = key == "sst_port" ? busy : ports[1];
        var (code, _, stderr) = await ChildProcess.RunDotnetAsync("Derecho.Cli",
            [.. command.Split(' '), "--DERECHO/local_id=0", $"--DERECHO/gms_port={gms}", $"--DERECHO/sst_port={sst}", $"--DERECHO/contact_port={gms}"],
            TestContext.Current.CancellationToken);
        Assert.True(code == 2, $"exit {code}: {stderr}");
        Assert.StartsWith("derecho:", stderr, StringComparison.Ordinal);
        Assert.Contains($"DERECHO/{key}", stderr, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{busy}", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    /// <summary>A persistent member that could not sign its logs joined and then failed every call of its shard.</summary>
    [Theory(Timeout = 60_000)]
    [InlineData("missing.pem")]
    [InlineData("garbage.pem")]
    public async Task A_signing_key_that_cannot_be_loaded_stops_kv_serve_with_exit_2_naming_it(string file)
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory("derecho-cli");
        var key = dir.Combine(file);
        if (file == "garbage.pem")
        {
            await File.WriteAllTextAsync(key, "not a key\n", ct);
        }
        var ports = FreePort.Next(2);
        var (code, stdout, stderr) = await ChildProcess.RunDotnetAsync("Derecho.Cli",
        [
            "kv", "serve", "--DERECHO/local_id=0", $"--DERECHO/gms_port={ports[0]}", $"--DERECHO/sst_port={ports[1]}", $"--DERECHO/contact_port={ports[0]}",
            "--KV/persistent=true", $"--PERS/file_path={dir.Combine("logs")}", $"--PERS/private_key_file={key}",
        ], ct);
        Assert.True(code == 2, $"exit {code}: {stderr}");
        Assert.Contains("PERS/private_key_file", stderr, StringComparison.Ordinal);
        Assert.Contains(key, stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("serving", stdout, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_member_whose_contact_does_not_answer_says_so_instead_of_waiting_in_silence()
    {
        var ct = TestContext.Current.CancellationToken;
        var ports = FreePort.Next(3);
        await using var member = ChildProcess.StartDotnet("Derecho.Cli",
            ["kv", "serve", "--DERECHO/local_id=1", $"--DERECHO/gms_port={ports[0]}", $"--DERECHO/sst_port={ports[1]}", $"--DERECHO/contact_port={ports[2]}"]);
        while (!member.StandardError.Contains($"still trying the contact 127.0.0.1:{ports[2]}", StringComparison.Ordinal))
        {
            Assert.False(member.HasExited, member.StandardError);
            await Task.Delay(100, ct);
        }
    }

    [Fact(Timeout = 180_000)]
    [Integration]
    public async Task Demo_kills_a_member_and_reports_agreement()
    {
        var (code, stdout, stderr) = await ChildProcess.RunDotnetAsync("Derecho.Cli", ["demo", "--seconds", "1"], TestContext.Current.CancellationToken);
        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        Assert.Contains("virtual synchrony held", stdout, StringComparison.Ordinal);
    }
}
