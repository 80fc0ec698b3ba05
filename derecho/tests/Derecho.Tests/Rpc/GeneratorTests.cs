using System.Collections.Immutable;
using Derecho.Generators;
using Derecho.Kv;
using Derecho.Rpc;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Derecho.Tests.Rpc;

/// <summary>The [Replicated] source generator run on small programs.</summary>
public sealed class GeneratorTests
{
    private static (ImmutableArray<Diagnostic> Diagnostics, string[] Sources, ImmutableArray<Diagnostic> CompileErrors) Run(string source)
    {
        var references = AppDomain.CurrentDomain.GetAssemblies()
            .Where(a => !a.IsDynamic && a.Location.Length > 0)
            .Select(a => MetadataReference.CreateFromFile(a.Location))
            .Append(MetadataReference.CreateFromFile(typeof(ReplicatedAttribute).Assembly.Location))
            .Append(MetadataReference.CreateFromFile(typeof(MessagePack.MessagePackSerializer).Assembly.Location));
        var parseOptions = new CSharpParseOptions(LanguageVersion.Preview);
        var compilation = CSharpCompilation.Create("Sample", [CSharpSyntaxTree.ParseText(source, parseOptions)], references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var driver = CSharpGeneratorDriver.Create([new ReplicatedGenerator().AsSourceGenerator()], parseOptions: parseOptions).RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        var result = driver.GetRunResult();
        return (diagnostics, [.. result.GeneratedTrees.Select(t => t.ToString())],
            [.. output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error)]);
    }

    [Fact]
    public void Emits_ids_dispatch_and_proxies_that_compile()
    {
        var (diagnostics, sources, errors) = Run("""
            using System.Threading.Tasks;
            using Derecho.Rpc;
            namespace Shop;
            [Replicated]
            public partial class Stock
            {
                private int _count;
                [Ordered] public int Add(int n) => _count += n;
                [Ordered] public void Clear() => _count = 0;
                [Ordered] public async Task<string> Describe(string prefix) { await Task.Yield(); return prefix + _count; }
                [P2P] public int Count() => _count;
                public int NotRemote() => 1;
            }
            """);
        Assert.Empty(diagnostics);
        Assert.Empty(errors);
        var generated = Assert.Single(sources);
        Assert.Contains("public const uint Add = ", generated, StringComparison.Ordinal);
        Assert.Contains("public global::Derecho.Rpc.QueryResults<global::MessagePack.Nil> Clear(", generated, StringComparison.Ordinal);
        Assert.Contains("public global::System.Threading.Tasks.Task<int> CountAsync(", generated, StringComparison.Ordinal);
        Assert.DoesNotContain("NotRemote", generated, StringComparison.Ordinal);
        Assert.Contains("\"Shop.Stock\"", generated, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[Replicated] public class Plain { [Ordered] public void A() { } }", "DRC001")]
    [InlineData("public static class Outer { [Replicated] public partial class Inner { } }", "DRC002")]
    [InlineData("[Replicated] public partial class Refs { [Ordered] public void A(ref int x) { } }", "DRC003")]
    [InlineData("[Replicated] public partial class Over { [Ordered] public void A(int x) { } [Ordered] public void A(string x) { } }", "DRC005")]
    public void Invalid_classes_get_an_error_naming_the_problem(string body, string id)
    {
        var (diagnostics, _, _) = Run("using Derecho.Rpc;\n" + body);
        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
    }

    [Fact]
    public void Method_ids_are_stable_hashes_of_type_and_signature()
    {
        var expected = ReplicatedModelIds("Derecho.Kv.KvStore", "Put(string,byte[])");
        Assert.True(expected == KvStore.MethodIds.Put, $"Put's id is 0x{KvStore.MethodIds.Put:x8}, not the hash 0x{expected:x8}");
        Assert.NotEqual(KvStore.MethodIds.Get, KvStore.MethodIds.Put);
        Assert.Equal("Derecho.Kv.KvStore", ReplicatedGroup.SubgroupOf<KvStore>().TypeName);
    }

    [Fact]
    public async Task Generated_dispatch_runs_a_call_without_the_group()
    {
        IReplicatedObject store = new KvStore();
        var ct = TestContext.Current.CancellationToken;
        var put = MessagePack.MessagePackSerializer.Serialize(new object[] { "k", new byte[] { 7 } }, RpcSerializer.Options, ct);
        Assert.True(RpcSerializer.Deserialize<bool>(await store.InvokeAsync(KvStore.MethodIds.Put, put, ordered: true)));
        var get = MessagePack.MessagePackSerializer.Serialize(new object[] { "k" }, RpcSerializer.Options, ct);
        Assert.Equal([7], RpcSerializer.Deserialize<byte[]?>(await store.InvokeAsync(KvStore.MethodIds.Get, get, ordered: false)));
        var error = await Assert.ThrowsAsync<RpcException>(async () => await store.InvokeAsync(KvStore.MethodIds.Put, put, ordered: false));
        Assert.Contains("not a [P2P] method", error.Message, StringComparison.Ordinal);
    }

    private static uint ReplicatedModelIds(string type, string signature)
    {
        var hash = 2166136261u;
        foreach (var c in type + "." + signature)
        {
            hash = unchecked((hash ^ c) * 16777619u);
        }
        return hash;
    }
}
