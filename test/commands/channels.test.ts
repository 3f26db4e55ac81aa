// claw channels with no chat app configured: it says which variables turn each platform on, from the platforms themselves.
import { describe, expect, it } from 'vitest';
import { useControlPlane } from './fixture.js';

describe('claw channels', () => {
  const c = useControlPlane();

  it('names every platform\'s credentials when no channel is on, in both languages', async () => {
    const en = await c.must('claw channels');
    expect(en.text).toContain('No chat channel is configured: set CLAW_FEISHU_APP_ID and CLAW_FEISHU_APP_SECRET, or CLAW_DINGTALK_CLIENT_ID and CLAW_DINGTALK_CLIENT_SECRET, and restart.');
    const zh = await c.run('claw channels', undefined, 'zh');
    expect(zh.text).toContain('尚未配置聊天渠道：设置 CLAW_FEISHU_APP_ID 和 CLAW_FEISHU_APP_SECRET，或 CLAW_DINGTALK_CLIENT_ID 和 CLAW_DINGTALK_CLIENT_SECRET 后重启。');
  });
});
