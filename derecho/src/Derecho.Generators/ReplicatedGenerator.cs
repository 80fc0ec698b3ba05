using System.Collections.Immutable;
using System.Linq;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace Derecho.Generators;

/// <summary>
/// Emits, for every <c>[Replicated] partial class</c>, the implementation of <c>IReplicated&lt;T&gt;</c>: method ids,
/// the dispatch of a call to an <c>[Ordered]</c> or <c>[P2P]</c> method with MessagePack arguments, and typed
/// proxies (<c>OrderedCalls</c>, <c>P2PCalls</c>). No reflection and no boxing at run time.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class ReplicatedGenerator : IIncrementalGenerator
{
    private const string ReplicatedAttribute = "Derecho.Rpc.ReplicatedAttribute";
    private const string OrderedAttribute = "Derecho.Rpc.OrderedAttribute";
    private const string P2PAttribute = "Derecho.Rpc.P2PAttribute";

    private static readonly SymbolDisplayFormat TypeFormat = SymbolDisplayFormat.FullyQualifiedFormat
        .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var models = context.SyntaxProvider.ForAttributeWithMetadataName(
            ReplicatedAttribute,
            static (node, _) => node is ClassDeclarationSyntax,
            static (syntax, token) => Model((INamedTypeSymbol)syntax.TargetSymbol, (ClassDeclarationSyntax)syntax.TargetNode, token));
        context.RegisterSourceOutput(models, static (output, model) =>
        {
            foreach (var problem in model.Problems)
            {
                output.ReportDiagnostic(Diagnostic.Create(Descriptor(problem.Id), Location.Create(problem.FilePath,
                    new TextSpan(problem.Start, problem.Length),
                    new LinePositionSpan(new LinePosition(problem.Line, problem.Column), new LinePosition(problem.EndLine, problem.EndColumn))), problem.Message));
            }
            if (!model.Problems.Any(p => p.Id is "DRC001" or "DRC002"))
            {
                output.AddSource($"{model.FullName}.Replicated.g.cs", SourceText.From(Emitter.Emit(model), Encoding.UTF8));
            }
        });
    }

    internal static ReplicatedModel Model(INamedTypeSymbol type, ClassDeclarationSyntax syntax, CancellationToken token)
    {
        var problems = ImmutableArray.CreateBuilder<Problem>();
        if (!syntax.Modifiers.Any(SyntaxKind.PartialKeyword))
        {
            problems.Add(ProblemAt("DRC001", $"[Replicated] class {type.Name} must be declared partial", syntax.Identifier.GetLocation()));
        }
        if (type.ContainingType is not null || type.IsGenericType)
        {
            problems.Add(ProblemAt("DRC002", $"[Replicated] class {type.Name} must be a non-generic top-level class", syntax.Identifier.GetLocation()));
        }
        var ns = type.ContainingNamespace.IsGlobalNamespace ? null : type.ContainingNamespace.ToDisplayString();
        var fullName = ns is null ? type.Name : ns + "." + type.Name;
        var methods = ImmutableArray.CreateBuilder<MethodModel>();
        var ids = new System.Collections.Generic.Dictionary<uint, string>();
        foreach (var method in type.GetMembers().OfType<IMethodSymbol>())
        {
            token.ThrowIfCancellationRequested();
            var ordered = method.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == OrderedAttribute);
            var p2p = method.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == P2PAttribute);
            if (!ordered && !p2p)
            {
                continue;
            }
            var location = method.Locations.FirstOrDefault() ?? syntax.Identifier.GetLocation();
            if (method.IsStatic || method.IsGenericMethod || method.DeclaredAccessibility == Accessibility.Private
                || method.Parameters.Any(p => p.RefKind != RefKind.None || p.Type.ToDisplayString() == "System.Threading.CancellationToken" || p.IsParams))
            {
                problems.Add(ProblemAt("DRC003", $"remote method {method.Name} must be a non-private, non-static, non-generic instance method whose parameters are plain values (no ref, out, in, params or CancellationToken)", location));
                continue;
            }
            var (shape, result) = Shape(method.ReturnType);
            var parameters = method.Parameters.Select(p => new ParameterModel(p.Name, p.Type.ToDisplayString(TypeFormat))).ToImmutableArray();
            var model = new MethodModel(method.Name, 0, ordered, p2p, shape, result, new EquatableArray<ParameterModel>(parameters));
            var id = ReplicatedModel.MethodId(fullName, model.Signature);
            if (ids.TryGetValue(id, out var other))
            {
                problems.Add(ProblemAt("DRC004", $"remote methods {other} and {model.Signature} have the same id 0x{id:x8}; rename one", location));
                continue;
            }
            if (methods.Any(m => m.Name == method.Name))
            {
                problems.Add(ProblemAt("DRC005", $"remote method {method.Name} is overloaded; give each remote method its own name", location));
                continue;
            }
            ids[id] = model.Signature;
            methods.Add(model with { Id = id });
        }
        var accessibility = type.DeclaredAccessibility == Accessibility.Public ? "public" : "internal";
        return new ReplicatedModel(ns, type.Name, fullName, accessibility, new EquatableArray<MethodModel>(methods.ToImmutable()), new EquatableArray<Problem>(problems.ToImmutable()));
    }

    private static (ReturnShape Shape, string Result) Shape(ITypeSymbol returnType)
    {
        const string nil = "global::MessagePack.Nil";
        if (returnType.SpecialType == SpecialType.System_Void)
        {
            return (ReturnShape.Void, nil);
        }
        if (returnType is INamedTypeSymbol named && named.ContainingNamespace?.ToDisplayString() == "System.Threading.Tasks")
        {
            switch (named.Name)
            {
                case "Task" when named.TypeArguments.Length == 0:
                    return (ReturnShape.Task, nil);
                case "Task":
                    return (ReturnShape.TaskOfT, named.TypeArguments[0].ToDisplayString(TypeFormat));
                case "ValueTask" when named.TypeArguments.Length == 0:
                    return (ReturnShape.ValueTask, nil);
                case "ValueTask":
                    return (ReturnShape.ValueTaskOfT, named.TypeArguments[0].ToDisplayString(TypeFormat));
            }
        }
        return (ReturnShape.Value, returnType.ToDisplayString(TypeFormat));
    }

    private static Problem ProblemAt(string id, string message, Location location)
    {
        var span = location.GetLineSpan();
        return new Problem(id, message, span.Path, location.SourceSpan.Start, location.SourceSpan.Length,
            span.StartLinePosition.Line, span.StartLinePosition.Character, span.EndLinePosition.Line, span.EndLinePosition.Character);
    }

    private static DiagnosticDescriptor Descriptor(string id) => new(id, "Invalid [Replicated] class", "{0}", "Derecho", DiagnosticSeverity.Error, isEnabledByDefault: true);
}
