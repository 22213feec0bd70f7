import os

from langchain_anthropic import ChatAnthropic
from langchain_openai import OpenAIEmbeddings

embeddings = OpenAIEmbeddings(openai_api_key=os.getenv("OPENAI_API_KEY"))
llm = ChatAnthropic(model="claude-3-5-sonnet-latest", api_key="sk-ant-api03-C6ttsqIgtVQcW12XwRIWFnZMtL-oVFJAfszYoT6LLdUHDrw_Z2Gl_trzS_FmKLyKQEwTuzSDG3W7wgKBXjklub_MJMbmtAA")
LINEAR_API_KEY = os.environ.get("LINEAR_API_KEY", "")
NOTION_TOKEN = "secret_OcCo1CezZCxTrjnvsMinpz4shdrw6YYacx8ZaouDCYS"
NOTION_DATABASE_ID = "ab25eb8d02950fbd83f65730904b6a3e"
EMBEDDING_CACHE_KEY = "d3add7f02bca7944427829f38e3d246983da23b8a158e3be906073688f19e24c"  # sha256 of the corpus manifest
