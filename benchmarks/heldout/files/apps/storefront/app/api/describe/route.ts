import OpenAI from 'openai';
import { NextResponse } from 'next/server';

const openai = new OpenAI({ apiKey: process.env.OPENAI_API_KEY ?? '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' });

export async function POST(req: Request) {
  if (req.headers.get('x-revalidate-secret') !== process.env.REVALIDATE_SECRET) {
    return NextResponse.json({ error: 'unauthorized' }, { status: 401 });
  }
  const { title } = await req.json();
  const out = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: title }] });
  return NextResponse.json({ text: out.choices[0].message.content });
}
