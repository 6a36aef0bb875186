package ibkr

import (
	"github.com/scmhub/ibapi"
	"github.com/scmhub/ibapi/protobuf"
)

// quietWrapper implements every ibapi.EWrapper method as a no-op. The
// Session's wrapper embeds it and overrides what it routes; unlike
// ibapi.Wrapper it writes nothing to the wire library's global logger.
type quietWrapper struct{}

var _ ibapi.EWrapper = quietWrapper{}

func (quietWrapper) AccountDataEndProtoBuf(_ *protobuf.AccountDataEnd)                            {}
func (quietWrapper) AccountDownloadEnd(_ string)                                                  {}
func (quietWrapper) AccountSummary(_ int64, _ string, _ string, _ string, _ string)               {}
func (quietWrapper) AccountSummaryEnd(_ int64)                                                    {}
func (quietWrapper) AccountSummaryEndProtoBuf(_ *protobuf.AccountSummaryEnd)                      {}
func (quietWrapper) AccountSummaryProtoBuf(_ *protobuf.AccountSummary)                            {}
func (quietWrapper) AccountUpdateMulti(_ int64, _ string, _ string, _ string, _ string, _ string) {}
func (quietWrapper) AccountUpdateMultiEnd(_ int64)                                                {}
func (quietWrapper) AccountUpdateMultiEndProtoBuf(_ *protobuf.AccountUpdateMultiEnd)              {}
func (quietWrapper) AccountUpdateMultiProtoBuf(_ *protobuf.AccountUpdateMulti)                    {}
func (quietWrapper) BondContractDataProtoBuf(_ *protobuf.ContractData)                            {}
func (quietWrapper) BondContractDetails(_ int64, _ *ibapi.ContractDetails)                        {}
func (quietWrapper) CommissionAndFeesReport(_ ibapi.CommissionAndFeesReport)                      {}
func (quietWrapper) CommissionAndFeesReportProtoBuf(_ *protobuf.CommissionAndFeesReport)          {}
func (quietWrapper) CompletedOrder(_ *ibapi.Contract, _ *ibapi.Order, _ *ibapi.OrderState)        {}
func (quietWrapper) CompletedOrderProtoBuf(_ *protobuf.CompletedOrder)                            {}
func (quietWrapper) CompletedOrdersEnd()                                                          {}
func (quietWrapper) CompletedOrdersEndProtoBuf(_ *protobuf.CompletedOrdersEnd)                    {}
func (quietWrapper) ConfigResponseProtoBuf(_ *protobuf.ConfigResponse)                            {}
func (quietWrapper) ConnectAck()                                                                  {}
func (quietWrapper) ConnectionClosed()                                                            {}
func (quietWrapper) ContractDataEndProtoBuf(_ *protobuf.ContractDataEnd)                          {}
func (quietWrapper) ContractDataProtoBuf(_ *protobuf.ContractData)                                {}
func (quietWrapper) ContractDetails(_ int64, _ *ibapi.ContractDetails)                            {}
func (quietWrapper) ContractDetailsEnd(_ int64)                                                   {}
func (quietWrapper) CurrentTime(_ int64)                                                          {}
func (quietWrapper) CurrentTimeInMillis(_ int64)                                                  {}
func (quietWrapper) CurrentTimeInMillisProtoBuf(_ *protobuf.CurrentTimeInMillis)                  {}
func (quietWrapper) CurrentTimeProtoBuf(_ *protobuf.CurrentTime)                                  {}
func (quietWrapper) DeltaNeutralValidation(_ int64, _ ibapi.DeltaNeutralContract)                 {}
func (quietWrapper) DisplayGroupList(_ int64, _ string)                                           {}
func (quietWrapper) DisplayGroupListProtoBuf(_ *protobuf.DisplayGroupList)                        {}
func (quietWrapper) DisplayGroupUpdated(_ int64, _ string)                                        {}
func (quietWrapper) DisplayGroupUpdatedProtoBuf(_ *protobuf.DisplayGroupUpdated)                  {}
func (quietWrapper) Error(_ int64, _ int64, _ int64, _ string, _ string)                          {}
func (quietWrapper) ErrorProtoBuf(_ *protobuf.ErrorMessage)                                       {}
func (quietWrapper) ExecDetails(_ int64, _ *ibapi.Contract, _ *ibapi.Execution)                   {}
func (quietWrapper) ExecDetailsEnd(_ int64)                                                       {}
func (quietWrapper) ExecDetailsEndProtoBuf(_ *protobuf.ExecutionDetailsEnd)                       {}
func (quietWrapper) ExecDetailsProtoBuf(_ *protobuf.ExecutionDetails)                             {}
func (quietWrapper) FamilyCodes(_ []ibapi.FamilyCode)                                             {}
func (quietWrapper) FamilyCodesProtoBuf(_ *protobuf.FamilyCodes)                                  {}
func (quietWrapper) HeadTimestamp(_ int64, _ string)                                              {}
func (quietWrapper) HeadTimestampProtoBuf(_ *protobuf.HeadTimestamp)                              {}
func (quietWrapper) HistogramData(_ int64, _ []ibapi.HistogramData)                               {}
func (quietWrapper) HistogramDataProtoBuf(_ *protobuf.HistogramData)                              {}
func (quietWrapper) HistoricalData(_ int64, _ *ibapi.Bar)                                         {}
func (quietWrapper) HistoricalDataEnd(_ int64, _ string, _ string)                                {}
func (quietWrapper) HistoricalDataEndProtoBuf(_ *protobuf.HistoricalDataEnd)                      {}
func (quietWrapper) HistoricalDataProtoBuf(_ *protobuf.HistoricalData)                            {}
func (quietWrapper) HistoricalDataUpdate(_ int64, _ *ibapi.Bar)                                   {}
func (quietWrapper) HistoricalDataUpdateProtoBuf(_ *protobuf.HistoricalDataUpdate)                {}
func (quietWrapper) HistoricalNews(_ int64, _ string, _ string, _ string, _ string)               {}
func (quietWrapper) HistoricalNewsEnd(_ int64, _ bool)                                            {}
func (quietWrapper) HistoricalNewsEndProtoBuf(_ *protobuf.HistoricalNewsEnd)                      {}
func (quietWrapper) HistoricalNewsProtoBuf(_ *protobuf.HistoricalNews)                            {}
func (quietWrapper) HistoricalSchedule(_ int64, _ string, _ string, _ string, _ []ibapi.HistoricalSession) {
}
func (quietWrapper) HistoricalScheduleProtoBuf(_ *protobuf.HistoricalSchedule)                 {}
func (quietWrapper) HistoricalTicks(_ int64, _ []ibapi.HistoricalTick, _ bool)                 {}
func (quietWrapper) HistoricalTicksBidAsk(_ int64, _ []ibapi.HistoricalTickBidAsk, _ bool)     {}
func (quietWrapper) HistoricalTicksBidAskProtoBuf(_ *protobuf.HistoricalTicksBidAsk)           {}
func (quietWrapper) HistoricalTicksLast(_ int64, _ []ibapi.HistoricalTickLast, _ bool)         {}
func (quietWrapper) HistoricalTicksLastProtoBuf(_ *protobuf.HistoricalTicksLast)               {}
func (quietWrapper) HistoricalTicksProtoBuf(_ *protobuf.HistoricalTicks)                       {}
func (quietWrapper) ManagedAccounts(_ []string)                                                {}
func (quietWrapper) ManagedAccountsProtoBuf(_ *protobuf.ManagedAccounts)                       {}
func (quietWrapper) MarketDataType(_ int64, _ int64)                                           {}
func (quietWrapper) MarketDataTypeProtoBuf(_ *protobuf.MarketDataType)                         {}
func (quietWrapper) MarketDepthExchangesProtoBuf(_ *protobuf.MarketDepthExchanges)             {}
func (quietWrapper) MarketRule(_ int64, _ []ibapi.PriceIncrement)                              {}
func (quietWrapper) MarketRuleProtoBuf(_ *protobuf.MarketRule)                                 {}
func (quietWrapper) MktDepthExchanges(_ []ibapi.DepthMktDataDescription)                       {}
func (quietWrapper) NewsArticle(_ int64, _ int64, _ string)                                    {}
func (quietWrapper) NewsArticleProtoBuf(_ *protobuf.NewsArticle)                               {}
func (quietWrapper) NewsProviders(_ []ibapi.NewsProvider)                                      {}
func (quietWrapper) NewsProvidersProtoBuf(_ *protobuf.NewsProviders)                           {}
func (quietWrapper) NextValidID(_ int64)                                                       {}
func (quietWrapper) NextValidIdProtoBuf(_ *protobuf.NextValidId)                               {}
func (quietWrapper) OpenOrder(_ int64, _ *ibapi.Contract, _ *ibapi.Order, _ *ibapi.OrderState) {}
func (quietWrapper) OpenOrderEnd()                                                             {}
func (quietWrapper) OpenOrderProtoBuf(_ *protobuf.OpenOrder)                                   {}
func (quietWrapper) OpenOrdersEndProtoBuf(_ *protobuf.OpenOrdersEnd)                           {}
func (quietWrapper) OrderBound(_ int64, _ int64, _ int64)                                      {}
func (quietWrapper) OrderBoundProtoBuf(_ *protobuf.OrderBound)                                 {}
func (quietWrapper) OrderStatus(_ int64, _ string, _ ibapi.Decimal, _ ibapi.Decimal, _ float64, _ int64, _ int64, _ float64, _ int64, _ string, _ float64) {
}
func (quietWrapper) OrderStatusProtoBuf(_ *protobuf.OrderStatus)                                    {}
func (quietWrapper) PnLProtoBuf(_ *protobuf.PnL)                                                    {}
func (quietWrapper) PnLSingleProtoBuf(_ *protobuf.PnLSingle)                                        {}
func (quietWrapper) Pnl(_ int64, _ float64, _ float64, _ float64)                                   {}
func (quietWrapper) PnlSingle(_ int64, _ ibapi.Decimal, _ float64, _ float64, _ float64, _ float64) {}
func (quietWrapper) Position(_ string, _ *ibapi.Contract, _ ibapi.Decimal, _ float64)               {}
func (quietWrapper) PositionEnd()                                                                   {}
func (quietWrapper) PositionEndProtoBuf(_ *protobuf.PositionEnd)                                    {}
func (quietWrapper) PositionMulti(_ int64, _ string, _ string, _ *ibapi.Contract, _ ibapi.Decimal, _ float64) {
}
func (quietWrapper) PositionMultiEnd(_ int64)                              {}
func (quietWrapper) PositionMultiEndProtoBuf(_ *protobuf.PositionMultiEnd) {}
func (quietWrapper) PositionMultiProtoBuf(_ *protobuf.PositionMulti)       {}
func (quietWrapper) PositionProtoBuf(_ *protobuf.Position)                 {}
func (quietWrapper) RealTimeBarTickProtoBuf(_ *protobuf.RealTimeBarTick)   {}
func (quietWrapper) RealtimeBar(_ int64, _ int64, _ float64, _ float64, _ float64, _ float64, _ ibapi.Decimal, _ ibapi.Decimal, _ int64) {
}
func (quietWrapper) ReceiveFA(_ ibapi.FaDataType, _ string)                                  {}
func (quietWrapper) ReceiveFAProtoBuf(_ *protobuf.ReceiveFA)                                 {}
func (quietWrapper) ReplaceFAEnd(_ int64, _ string)                                          {}
func (quietWrapper) ReplaceFAEndProtoBuf(_ *protobuf.ReplaceFAEnd)                           {}
func (quietWrapper) RerouteMarketDataRequestProtoBuf(_ *protobuf.RerouteMarketDataRequest)   {}
func (quietWrapper) RerouteMarketDepthRequestProtoBuf(_ *protobuf.RerouteMarketDepthRequest) {}
func (quietWrapper) RerouteMktDataReq(_ int64, _ int64, _ string)                            {}
func (quietWrapper) RerouteMktDepthReq(_ int64, _ int64, _ string)                           {}
func (quietWrapper) ScannerData(_ int64, _ int64, _ *ibapi.ContractDetails, _ string, _ string, _ string, _ string) {
}
func (quietWrapper) ScannerDataEnd(_ int64)                                          {}
func (quietWrapper) ScannerDataProtoBuf(_ *protobuf.ScannerData)                     {}
func (quietWrapper) ScannerParameters(_ string)                                      {}
func (quietWrapper) ScannerParametersProtoBuf(_ *protobuf.ScannerParameters)         {}
func (quietWrapper) SecDefOptParameterEndProtoBuf(_ *protobuf.SecDefOptParameterEnd) {}
func (quietWrapper) SecDefOptParameterProtoBuf(_ *protobuf.SecDefOptParameter)       {}
func (quietWrapper) SecurityDefinitionOptionParameter(_ int64, _ string, _ int64, _ string, _ string, _ []string, _ []float64) {
}
func (quietWrapper) SecurityDefinitionOptionParameterEnd(_ int64)         {}
func (quietWrapper) SmartComponents(_ int64, _ []ibapi.SmartComponent)    {}
func (quietWrapper) SmartComponentsProtoBuf(_ *protobuf.SmartComponents)  {}
func (quietWrapper) SoftDollarTiers(_ int64, _ []ibapi.SoftDollarTier)    {}
func (quietWrapper) SoftDollarTiersProtoBuf(_ *protobuf.SoftDollarTiers)  {}
func (quietWrapper) SymbolSamples(_ int64, _ []ibapi.ContractDescription) {}
func (quietWrapper) SymbolSamplesProtoBuf(_ *protobuf.SymbolSamples)      {}
func (quietWrapper) TickByTickAllLast(_ int64, _ int64, _ int64, _ float64, _ ibapi.Decimal, _ ibapi.TickAttribLast, _ string, _ string) {
}
func (quietWrapper) TickByTickBidAsk(_ int64, _ int64, _ float64, _ float64, _ ibapi.Decimal, _ ibapi.Decimal, _ ibapi.TickAttribBidAsk) {
}
func (quietWrapper) TickByTickDataProtoBuf(_ *protobuf.TickByTickData) {}
func (quietWrapper) TickByTickMidPoint(_ int64, _ int64, _ float64)    {}
func (quietWrapper) TickEFP(_ int64, _ int64, _ float64, _ string, _ float64, _ int64, _ string, _ float64, _ float64) {
}
func (quietWrapper) TickGeneric(_ int64, _ int64, _ float64)                           {}
func (quietWrapper) TickGenericProtoBuf(_ *protobuf.TickGeneric)                       {}
func (quietWrapper) TickNews(_ int64, _ int64, _ string, _ string, _ string, _ string) {}
func (quietWrapper) TickNewsProtoBuf(_ *protobuf.TickNews)                             {}
func (quietWrapper) TickOptionComputation(_ int64, _ int64, _ int64, _ float64, _ float64, _ float64, _ float64, _ float64, _ float64, _ float64, _ float64) {
}
func (quietWrapper) TickOptionComputationProtoBuf(_ *protobuf.TickOptionComputation)               {}
func (quietWrapper) TickPrice(_ int64, _ int64, _ float64, _ ibapi.TickAttrib)                     {}
func (quietWrapper) TickPriceProtoBuf(_ *protobuf.TickPrice)                                       {}
func (quietWrapper) TickReqParams(_ int64, _ float64, _ string, _ int64)                           {}
func (quietWrapper) TickReqParamsProtoBuf(_ *protobuf.TickReqParams)                               {}
func (quietWrapper) TickSize(_ int64, _ int64, _ ibapi.Decimal)                                    {}
func (quietWrapper) TickSizeProtoBuf(_ *protobuf.TickSize)                                         {}
func (quietWrapper) TickSnapshotEnd(_ int64)                                                       {}
func (quietWrapper) TickSnapshotEndProtoBuf(_ *protobuf.TickSnapshotEnd)                           {}
func (quietWrapper) TickString(_ int64, _ int64, _ string)                                         {}
func (quietWrapper) TickStringProtoBuf(_ *protobuf.TickString)                                     {}
func (quietWrapper) UpdateAccountTime(_ string)                                                    {}
func (quietWrapper) UpdateAccountTimeProtoBuf(_ *protobuf.AccountUpdateTime)                       {}
func (quietWrapper) UpdateAccountValue(_ string, _ string, _ string, _ string)                     {}
func (quietWrapper) UpdateAccountValueProtoBuf(_ *protobuf.AccountValue)                           {}
func (quietWrapper) UpdateConfigResponseProtoBuf(_ *protobuf.UpdateConfigResponse)                 {}
func (quietWrapper) UpdateMarketDepthL2ProtoBuf(_ *protobuf.MarketDepthL2)                         {}
func (quietWrapper) UpdateMarketDepthProtoBuf(_ *protobuf.MarketDepth)                             {}
func (quietWrapper) UpdateMktDepth(_ int64, _ int64, _ int64, _ int64, _ float64, _ ibapi.Decimal) {}
func (quietWrapper) UpdateMktDepthL2(_ int64, _ int64, _ string, _ int64, _ int64, _ float64, _ ibapi.Decimal, _ bool) {
}
func (quietWrapper) UpdateNewsBulletin(_ int64, _ int64, _ string, _ string) {}
func (quietWrapper) UpdateNewsBulletinProtoBuf(_ *protobuf.NewsBulletin)     {}
func (quietWrapper) UpdatePortfolio(_ *ibapi.Contract, _ ibapi.Decimal, _ float64, _ float64, _ float64, _ float64, _ float64, _ string) {
}
func (quietWrapper) UpdatePortfolioProtoBuf(_ *protobuf.PortfolioValue)    {}
func (quietWrapper) UserInfo(_ int64, _ string)                            {}
func (quietWrapper) UserInfoProtoBuf(_ *protobuf.UserInfo)                 {}
func (quietWrapper) VerifyAndAuthCompleted(_ bool, _ string)               {}
func (quietWrapper) VerifyAndAuthMessageAPI(_ string, _ string)            {}
func (quietWrapper) VerifyCompleted(_ bool, _ string)                      {}
func (quietWrapper) VerifyCompletedProtoBuf(_ *protobuf.VerifyCompleted)   {}
func (quietWrapper) VerifyMessageAPI(_ string)                             {}
func (quietWrapper) VerifyMessageApiProtoBuf(_ *protobuf.VerifyMessageApi) {}
func (quietWrapper) WinError(_ string, _ int64)                            {}
func (quietWrapper) WshEventData(_ int64, _ string)                        {}
func (quietWrapper) WshEventDataProtoBuf(_ *protobuf.WshEventData)         {}
func (quietWrapper) WshMetaData(_ int64, _ string)                         {}
func (quietWrapper) WshMetaDataProtoBuf(_ *protobuf.WshMetaData)           {}
