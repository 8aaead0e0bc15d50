namespace Causeway.Proxy.Tests.Support;

/// <summary>Polls a condition that a real, asynchronous system will reach (a config push, a reload) within a bound.</summary>
internal static class Eventually
{
    public static Task Until(Func<bool> condition, Func<string>? detail = null) => Until(() => Task.FromResult(condition()), detail);

    public static async Task Until(Func<Task<bool>> condition, Func<string>? detail = null)
    {
        for (var i = 0; i < 150; i++)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail("condition not met within 15 s" + (detail is null ? "" : ":\n" + detail()));
    }
}
